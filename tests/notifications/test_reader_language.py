"""A message reads in the reader's language: the inbox keeps the event and its (masked) context
and renders them in the language of the page or API request, whatever language it was sent in
(issue 10, point 8). What was sent stays stored: the record, and the fallback."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nanhai_portal.accounts.models import User
from nanhai_portal.jobs.importers import importer_class
from nanhai_portal.notifications import fanouts
from nanhai_portal.notifications.models import FanOut, Notification
from nanhai_portal.notifications.services import notify
from nanhai_portal.tenancy import town_context
from residents.models import Application
from residents.services import application_accept
from tests.factories import ApplicationFactory
from tests.notifications.conftest import make_resident

pytestmark = pytest.mark.django_db

SUBMITTED_ZH = "您的居住证申领申请已提交，办件编号124-261130-00042"
SUBMITTED_EN = "Your residence permit (居住证申领) application 124-261130-00042 is submitted"


def page_in(person: User, language: str) -> str:
    browser = Client()
    browser.force_login(person)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = browser.get("/inbox/")
    assert response.status_code == 200
    return response.content.decode()


def api_in(api: Callable[[str], Any], person: User, language: str) -> list[dict[str, Any]]:
    response = api(person.username).get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return list(response.json()["results"])


def submitted(person: User) -> Notification:
    """An application.submitted message, as the residents app sends it: the kind by its code."""
    return notify(
        user=person,
        event="application.submitted",
        context={
            "application_id": str(uuid.uuid4()),
            "kind": Application.Kind.PERMIT_ISSUE,
            "number": "124-261130-00042",
            "expected_by": "2026-12-15",
        },
    )


def test_a_message_sent_in_chinese_reads_in_english_on_the_page_and_in_the_api(
    api: Callable[[str], Any], recorded_deliveries: list[str]
) -> None:
    # Given a person whose messages go out in Chinese, told their application is submitted
    person = make_resident()
    notification = submitted(person)
    assert (notification.title, notification.language) == (SUBMITTED_ZH, "zh-hans"), "sent and kept in Chinese"
    assert notification.context["kind"] == "permit_issue", "the kind is kept as its code"

    # When they read it in Chinese, then in English
    chinese, english = page_in(person, "zh-hans"), page_in(person, "en")

    # Then each reads it in the interface's language, the kind included
    assert SUBMITTED_ZH in chinese and SUBMITTED_EN not in chinese
    assert SUBMITTED_EN in english and SUBMITTED_ZH not in english
    assert "We have received your residence permit (居住证申领) application" in english
    [row] = api_in(api, person, "en")
    assert (row["title"], row["body"]) == (
        SUBMITTED_EN,
        "We have received your residence permit (居住证申领) application, number 124-261130-00042. Expected decision:"
        " by 2026-12-15 (counted as if accepted on the day you submitted; we will tell you when the town accepts it).",
    )
    assert api_in(api, person, "zh-hans")[0]["title"] == SUBMITTED_ZH
    # and the record of what was sent is unchanged
    notification.refresh_from_db()
    assert notification.title == SUBMITTED_ZH


def test_an_english_readers_message_reads_in_chinese_in_the_chinese_interface(recorded_deliveries: list[str]) -> None:
    person = make_resident(language="en")
    notification = submitted(person)
    assert notification.title == SUBMITTED_EN
    assert SUBMITTED_ZH in page_in(person, "zh-hans")


def test_the_residents_workflow_sends_the_kind_as_its_code(user: Callable[[str], User]) -> None:
    application = ApplicationFactory(
        town_id="guicheng", resident__account=True, kind=Application.Kind.PERMIT_ENDORSEMENT
    )
    with town_context("guicheng"):
        application_accept(application=application, by=user("officer.guicheng"))
    notification = Notification.objects.get(recipient=application.resident.person.user, event="application.accepted")
    assert notification.context is not None and notification.context["kind"] == "permit_endorsement"
    assert notification.title == "您的签注申请已受理"
    assert "Your endorsement (签注) application is accepted" in page_in(notification.recipient, "en")


def test_an_import_report_names_the_importer_in_the_readers_language() -> None:
    person = make_resident()
    context = {"job_id": str(uuid.uuid4()), "kind": "communities", "imported": 10, "failed": 0}
    notify(user=person, event="jobs.import_finished", context=context)
    importer = importer_class("communities")
    assert importer is not None
    with translation.override("en"):
        english = str(importer.label)
    with translation.override("zh-hans"):
        chinese = str(importer.label)
    assert english != chinese
    assert f"The bulk import ({english}) has finished" in page_in(person, "en")
    assert f"批量导入（{chinese}）已完成" in page_in(person, "zh-hans")


def test_an_officials_words_stay_as_written(recorded_deliveries: list[str]) -> None:
    person = make_resident()
    notify(user=person, event="broadcast.message", context={"text": "明日桂城部分片区停水。"})
    english = page_in(person, "en")
    assert "Notice from your town" in english and "明日桂城部分片区停水。" in english


def test_a_message_from_before_contexts_were_kept_shows_its_stored_text() -> None:
    person = make_resident()
    Notification.objects.create(recipient=person, event="application.submitted", title="旧消息标题", body="旧消息正文")
    english = page_in(person, "en")
    assert "旧消息标题" in english and "旧消息正文" in english


def test_a_message_that_no_longer_renders_shows_its_stored_text_and_warns(
    api: Callable[[str], Any], caplog: pytest.LogCaptureFixture
) -> None:
    person = make_resident()
    Notification.objects.create(
        recipient=person, event="an.event.since.removed", context={"x": 1}, title="发送时的标题", body="发送时的正文"
    )
    assert "发送时的标题" in page_in(person, "en")
    assert api_in(api, person, "en")[0]["title"] == "发送时的标题"
    assert "an.event.since.removed" in caplog.text and "stored text" in caplog.text


def test_a_verification_code_is_never_stored_in_the_context(api: Callable[[str], Any]) -> None:
    person = make_resident()
    notification = notify(user=person, event="account.verify_mobile", context={"code": "482915", "minutes": 10})
    assert notification.context == {"code": "******", "minutes": 10}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT context::text FROM {Notification._meta.db_table} WHERE id = %s", [notification.pk])
        [(stored,)] = cursor.fetchall()
    assert "482915" not in stored
    [row] = api_in(api, person, "en")
    assert "482915" not in row["body"] and "Your code is ******." in row["body"]


def test_a_fanout_stores_one_context_for_everyone_and_each_reads_in_their_language(
    user: Callable[[str], User], recorded_deliveries: list[str]
) -> None:
    # Given a Chinese and an English reader in Dali, and a message to the town's residents
    chinese_reader, english_reader = make_resident("dali"), make_resident("dali", language="en")
    with town_context("dali"):
        fanout = fanouts.fanout_start(
            created_by=user("officer.dali"),
            segment="town_residents",
            event="broadcast.message",
            context={"text": "停水"},
        )
        chunk_ids = fanouts.fanout_plan(fanout_id=fanout.pk)
        # When its chunks are written: a few statements per chunk, however many people it has
        with CaptureQueriesContext(connection) as queries:
            for chunk_id in chunk_ids:
                fanouts.fanout_process_chunk(chunk_id=chunk_id)
        assert FanOut.objects.get(pk=fanout.pk).status == "finished"
    inserts = [
        query["sql"] for query in queries if query["sql"].startswith(f'INSERT INTO "{Notification._meta.db_table}"')
    ]
    assert len(inserts) == len(chunk_ids), "one bulk insert of notifications per chunk"

    # Then every row keeps the context, and each person reads it in the language they read in
    rows = Notification.objects.filter(fanout=fanout)
    assert rows.count() >= 2
    assert all(context == {"text": "停水"} for context in rows.values_list("context", flat=True))
    assert rows.get(recipient=english_reader).title == "Notice from your town"
    assert "镇街通知" in page_in(english_reader, "zh-hans")
    assert "Notice from your town" in page_in(chinese_reader, "en")


def test_the_inbox_page_costs_the_same_queries_for_one_message_or_a_page_of_them(
    recorded_deliveries: list[str],
) -> None:
    one, many = make_resident(), make_resident()
    submitted(one)
    for _n in range(20):
        submitted(many)

    def queries_of(person: User) -> int:
        browser = Client()
        browser.force_login(person)
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        browser.get("/inbox/")  # the unread count is cached after the first page
        with CaptureQueriesContext(connection) as queries:
            assert SUBMITTED_EN in browser.get("/inbox/").content.decode()
        return len(queries)

    assert queries_of(many) == queries_of(one), "rendering in the reader's language reads nothing per message"
