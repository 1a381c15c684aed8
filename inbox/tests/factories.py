import factory

from inbox.models import Mailbox


class MailboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mailbox

    name = "Care"
    address = factory.Sequence(lambda n: f"care{n}@casebook.example")
