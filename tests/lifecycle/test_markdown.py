"""The `markdown` template filter: Markdown rendered, then sanitized so authors cannot inject code."""

from django.template import Context, Template

from lifecycle.templatetags.lifecycle_tags import render_markdown


def _render(text):
    return Template("{% load lifecycle_tags %}{{ text|markdown }}").render(Context({"text": text}))


def test_renders_markdown():
    assert _render("# Goal\n\nReduce **churn** by *5%*.") == (
        "<h1>Goal</h1>\n<p>Reduce <strong>churn</strong> by <em>5%</em>.</p>"
    )


def test_renders_tables_and_lists():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two")
    assert "<table>" in html and "<td>1</td>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html


def test_script_tags_are_removed():
    html = _render("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html


def test_javascript_links_are_removed():
    html = _render('[click](javascript:alert(1)) and <a href="javascript:alert(2)">raw</a>')
    assert "javascript:" not in html
    assert "<a>click</a>" in html or "click" in html


def test_event_handlers_and_styles_are_removed():
    html = _render('<img src="https://example.com/x.png" onerror="alert(1)" style="width:1px"> <b onclick="x()">b</b>')
    assert "onerror" not in html and "onclick" not in html and "style=" not in html
    assert '<img src="https://example.com/x.png">' in html


def test_safe_links_are_kept_and_marked_nofollow():
    html = _render("[docs](https://example.com/docs)")
    assert '<a href="https://example.com/docs" rel="noopener noreferrer nofollow">docs</a>' in html


def test_iframes_and_forms_are_removed():
    html = _render('<iframe src="https://evil.example"></iframe><form action="/x"><input name="a"></form>')
    assert "<iframe" not in html and "<form" not in html and "<input" not in html


def test_empty_and_none():
    assert _render("") == ""
    assert _render(None) == ""
