"""`{% chat_availability_of user as available %}`: for templates/chat/_availability.html,
which other apps' pages include (the Chats queue) without passing anything for it."""

from django import template

from chat.availability import availability_of

register = template.Library()


@register.simple_tag
def chat_availability_of(user) -> bool:
    return bool(user.is_authenticated) and availability_of(user)
