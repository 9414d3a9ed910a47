"""The test harness: each test client is its own browser, whatever the others did before
(tests hold one app context, which Flask lends to every request; Flask-Login's user kept
in it carried over, so a test of two users could pass as one)."""


def test_two_clients_are_two_users(login, client):
    operator = login("operator1")
    water = login("water1")
    assert operator.get("/desk/board").status_code == 200  # ran as water1 (403) before
    assert water.get("/desk/board").status_code == 403
    assert client.get("/desk/board").status_code == 302  # anonymous: to the login page
