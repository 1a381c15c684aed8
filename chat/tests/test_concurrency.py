"""Messages sent at the same moment from many connections still get one number each."""

import threading

import pytest
from django.db import connection

from chat.models import ChatMessage, Side
from chat.services import chat_post, chat_take


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_get_distinct_consecutive_numbers(chat, agent, settings):
    settings.CASEBOOK_CHAT_RATE_MESSAGES = 1000
    chat_take(chat=chat, agent=agent)
    start = threading.Barrier(8)
    errors = []

    def send(worker: int) -> None:
        try:
            start.wait()
            for n in range(5):
                side, author = (Side.CLIENT, None) if worker % 2 else (Side.AGENT, agent)
                chat_post(chat=chat, side=side, client_message_id=f"{worker}-{n}", text="hello", author=author)
                # Every message is also resent once, as a client that lost the acknowledgement would.
                chat_post(chat=chat, side=side, client_message_id=f"{worker}-{n}", text="hello", author=author)
        except Exception as error:  # shown below: a thread's exception would otherwise be lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = list(ChatMessage.objects.filter(chat=chat).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 42))  # the "joined" message and 40 messages, each once
