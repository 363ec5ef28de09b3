"""The web page and widget in a real headless Chromium (Debian's package), driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI, PROJECT_ROOT, free_port, require_model
from tools import servers

pytestmark = [pytest.mark.model, pytest.mark.servers, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    """Skip without Debian's chromium; fail instead in CI, where it must be there."""
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (make test installs it: apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_chromium()
    db = tmp_path_factory.mktemp("db") / "knowledge.db"
    port = free_port()
    with servers.running(require_model(), rasa_port=port, action_port=free_port(),
                         log_dir=tmp_path_factory.mktemp("logs"),
                         env={"KNOWLEDGE_DB_URL": f"sqlite:///{db}", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                              "MESSAGE_RATE_LIMIT": "0"}):
        yield f"http://127.0.0.1:{port}/webhooks/webchat/"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    require_chromium()  # before launching: a test may ask for the browser before the site

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def open_widget(page, site):
    page.goto(site)
    page.get_by_role("button", name="Ask about online programs").click()
    return page.get_by_role("textbox", name="Your question")


def ask(page, text: str):
    bot_messages = page.locator(".isa-bot")
    before = bot_messages.count()
    page.get_by_role("textbox", name="Your question").fill(text)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.isa-bot').length > {before}", timeout=30_000)
    page.wait_for_selector(".isa-typing", state="hidden")
    return bot_messages.last


def test_ask_read_answer_and_follow_a_quick_reply(page, site) -> None:
    field = open_widget(page, site)
    assert field.evaluate("el => el === document.activeElement")
    answer = ask(page, "how many credits is the online program?")
    assert "36 credit hours" in answer.inner_text()
    both = ask(page, "tell me about the program")  # both programs in short, then which one in full
    assert "Which one would you like in full?" in both.inner_text()
    quick = page.get_by_role("button", name="Library Science (MLS)")
    quick.click()
    page.wait_for_function("document.body.innerText.includes('educates leaders')", timeout=30_000)
    assert page.get_by_role("button", name="Library Science (MLS)").count() == 0, "used quick replies are retired"
    page.screenshot(path=str(_results() / "webchat.png"))


def test_links_are_clickable_and_markup_stays_text(page, site) -> None:
    open_widget(page, site)
    ask(page, "<img src=x onerror=\"window.__pwned=1\"> hello")
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".isa-user img").count() == 0
    assert "<img" in page.locator(".isa-user").last.inner_text()
    answer = ask(page, "when is the next info session at shady grove?")
    links = answer.locator("a")
    assert links.count() >= 2
    assert links.first.get_attribute("href").startswith("https://")
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    assert [links.nth(i).inner_text() for i in range(2)] == ["Register", "Add to calendar"]
    assert "](" not in answer.inner_text()


def test_starter_suggestions_under_the_greeting_answer_when_clicked(page, site) -> None:
    open_widget(page, site)
    starters = page.locator(".isa-buttons button")
    assert starters.count() == 4
    page.get_by_role("button", name="Do I need to visit campus?").click()
    page.wait_for_function("document.querySelectorAll('.isa-bot').length >= 2")
    assert "College Park" in page.locator(".isa-bot").last.inner_text()


def test_history_survives_a_reload_with_the_same_unguessable_sender(page, site) -> None:
    open_widget(page, site)
    ask(page, "how long is the MLS?")
    sender = page.evaluate("JSON.parse(Object.entries(sessionStorage)[0][1]).sender")
    assert len(sender) >= 32
    page.reload()
    page.wait_for_selector(".isa-msg")
    assert "two calendar years" in page.locator(".isa-log").inner_text()
    answer = ask(page, "what about the MIM?")
    assert "24-month" in answer.inner_text(), "the conversation continues on the server too"


def test_server_unreachable_shows_a_clear_message(page, site) -> None:
    open_widget(page, site)
    page.route("**/webhooks/webchat/webhook", lambda route: route.abort("connectionrefused"))
    page.get_by_role("textbox", name="Your question").fill("hello?")
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    status.filter(has_text="can't be reached").wait_for(timeout=10_000)
    assert page.get_by_role("button", name="Send").is_enabled()


def test_an_empty_reply_never_leaves_silence(page, site) -> None:
    open_widget(page, site)
    page.route("**/webhooks/webchat/webhook",
               lambda route: route.fulfill(status=200, content_type="application/json", body="[]"))
    answer = ask(page, "hello?")
    assert "no answer to that just now" in answer.inner_text() and "988" in answer.inner_text()


def test_keyboard_only_and_focus_management(page, site) -> None:
    page.goto(site)
    launcher = page.get_by_role("button", name="Ask about online programs")
    for _ in range(30):
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el === document.activeElement"):
            break
    assert launcher.evaluate("el => el === document.activeElement"), "the launcher is reachable with Tab"
    page.keyboard.press("Enter")
    assert page.get_by_role("textbox", name="Your question").evaluate("el => el === document.activeElement")
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0 or not page.get_by_role("dialog").is_visible()
    assert launcher.evaluate("el => el === document.activeElement"), "focus returns to the launcher"


def test_log_is_announced_to_screen_readers(page, site) -> None:
    open_widget(page, site)
    log = page.get_by_role("log")
    assert log.get_attribute("aria-live") == "polite"
    assert page.get_by_role("dialog", name="Online programs assistant").is_visible()


def test_usable_on_a_phone(browser, site) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_widget(page, site)
        box = page.get_by_role("dialog").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667
        assert "36 credit hours" in ask(page, "how many credits?").inner_text()
    finally:
        context.close()


def test_no_serious_or_critical_accessibility_violations(page, site) -> None:
    import axe_playwright_python

    open_widget(page, site)
    ask(page, "is it accredited?")
    axe = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    page.add_script_tag(path=str(axe))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})""")
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    (_results() / "axe.json").write_text(__import__("json").dumps(
        {"violations": [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]],
         "passes": len(result["passes"])}, indent=2))
    assert serious == []


def _results() -> Path:
    path = PROJECT_ROOT / "results"
    path.mkdir(exist_ok=True)
    return path


def test_clear_conversation_forgets_the_history_and_the_sender_in_this_browser(page, site) -> None:
    stored = "Object.values(sessionStorage).join(' ')"
    open_widget(page, site)
    ask(page, "how long is the MLS?")
    sender = page.evaluate("JSON.parse(Object.values(sessionStorage)[0]).sender")
    clear = page.get_by_role("button", name="Clear conversation")
    page.once("dialog", lambda dialog: dialog.dismiss())
    clear.click()
    assert "two calendar years" in page.locator(".isa-log").inner_text(), "nothing goes without confirming"
    page.once("dialog", lambda dialog: dialog.accept())
    clear.focus()
    page.keyboard.press("Enter")  # keyboard only
    shown = page.locator(".isa-log").inner_text()
    assert "two calendar years" not in shown and "Hi! Ask me about" in shown, "the greeting comes back"
    assert "two calendar years" not in page.evaluate(stored) and sender not in page.evaluate(stored)
    assert page.get_by_role("status").inner_text() == "Conversation cleared."
    page.reload()
    page.wait_for_selector(".isa-msg")
    assert "two calendar years" not in page.locator(".isa-log").inner_text(), "gone after a reload too"
    with page.expect_request("**/webhooks/webchat/webhook") as sent:
        ask(page, "how many credits?")
    new_sender = sent.value.post_data_json["sender"]
    assert new_sender != sender and len(new_sender) >= 32, "the next message starts a new conversation"


def test_the_conversation_is_kept_per_tab_and_forgotten_after_half_an_hour(page, site) -> None:
    open_widget(page, site)
    ask(page, "how long is the MLS?")
    assert page.evaluate("localStorage.length") == 0, "nothing a script on the site can read after the tab closes"
    assert "two calendar years" in page.evaluate("Object.values(sessionStorage).join(' ')")
    page.evaluate("""() => { const key = Object.keys(sessionStorage)[0];
        const state = JSON.parse(sessionStorage.getItem(key)); state.saved -= 31 * 60 * 1000;
        sessionStorage.setItem(key, JSON.stringify(state)); }""")
    page.reload()
    page.wait_for_selector(".isa-launcher")
    assert "two calendar years" not in page.locator(".isa-root").inner_text()
    assert "two calendar years" not in page.evaluate("Object.values(sessionStorage).join(' ')")


def test_the_handoff_forms_personal_fields_are_shown_but_never_stored(page, site) -> None:
    stored = "Object.values(sessionStorage).join(' ')"
    open_widget(page, site)
    ask(page, "can I talk to a person?")
    ask(page, "Grace Hopper")
    ask(page, "grace.hopper@example.edu")
    confirm = ask(page, "I work nights at Acme Library; can I pause my studies for a term?")
    shown = page.locator(".isa-log").inner_text()
    assert "grace.hopper@example.edu" in confirm.inner_text() and "Grace Hopper" in shown, "the student sees it"
    for personal in ["Grace Hopper", "grace.hopper", "Acme Library"]:
        assert personal not in page.evaluate(stored), f"{personal!r} stays out of the browser's storage"
    assert "not kept in this browser" in page.evaluate(stored)
    page.get_by_role("button", name="Send it").click()  # the confirmation's buttons still work
    page.wait_for_function("document.body.innerText.includes('your reference is')")
    assert "grace.hopper" not in page.evaluate(stored)
    page.reload()
    page.wait_for_selector(".isa-msg")
    assert "Grace Hopper" not in page.locator(".isa-log").inner_text(), "a reload shows the notes in their place"


def test_a_conversation_id_the_server_did_not_issue_is_replaced_without_losing_the_message(page, site) -> None:
    open_widget(page, site)
    ask(page, "how long is the MLS?")
    page.evaluate("""() => { const key = Object.keys(sessionStorage)[0];
        const state = JSON.parse(sessionStorage.getItem(key)); state.sender = 'abcdef0123456789-guessed';
        sessionStorage.setItem(key, JSON.stringify(state)); }""")
    page.reload()
    page.wait_for_selector(".isa-msg")
    answer = ask(page, "how many credits is the MLS?")
    assert "36 credit" in answer.inner_text()
    sender = page.evaluate("JSON.parse(Object.values(sessionStorage)[0]).sender")
    assert sender != "abcdef0123456789-guessed" and len(sender) == 65
