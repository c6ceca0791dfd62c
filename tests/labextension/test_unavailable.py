"""A JupyterLab whose server does not run our server extension: the sidebar says so and names the command
that fixes it, instead of spinning or showing empty lists."""

from __future__ import annotations

import os

import pytest

from .conftest import running_lab

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def jupyter_lab(jprov_home, tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("lab-without"), dict(os.environ, JPROV_HOME=str(jprov_home)),
                     with_extension=False) as lab:
        yield lab


def test_sidebar_without_the_server_extension_says_how_to_enable_it(lab_page):
    from jupyter_prov.server.routes import PREFIX

    lab = lab_page
    lab.goto()
    lab.open_sidebar()
    box = lab.page.locator('#jupyter-prov-sidebar .jp-prov-unavailable[data-missing="true"]')
    box.wait_for(timeout=60_000)
    text = box.inner_text()
    assert "server extension is not available" in text
    assert "jupyter server extension enable jupyter_prov.server" in lab.page.locator(".jp-prov-fix").inner_text()
    assert lab.page.locator("#jupyter-prov-sidebar .jp-prov-body").is_hidden()
    assert any(PREFIX in url for url in lab.requests)  # it asked, and was told 404
    lab.screenshot("unavailable")
