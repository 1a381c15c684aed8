"""The reports' period: a date far out of range is a 422 with a clear message, never a 500."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("page", ["dashboard", "root_causes"])
@pytest.mark.parametrize(("field", "value"), [("end", "9999-12-31"), ("start", "0001-01-01"), ("start", "1899-12-31")])
def test_a_date_out_of_range_is_a_clear_422(client, manager, page, field, value):
    client.force_login(manager)
    response = client.get(reverse(page), {field: value})
    assert response.status_code == 422
    assert "between the years 1900 and 2999" in response.content.decode()


def test_the_last_day_in_range_is_accepted(client, manager):
    client.force_login(manager)
    assert client.get(reverse("dashboard"), {"start": "2999-12-01", "end": "2999-12-31"}).status_code == 200
