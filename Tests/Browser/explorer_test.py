#!/usr/bin/env python3
"""Browser test of `gansynth serve`'s page: headless Chromium (Debian's chromium and chromium-driver) driven by
Selenium opens the page, picks a conditional model and a class by name, moves the truncation slider, steps the
seed, and reads back each image shown, which must change with the controls and equal, byte for byte, what the API
gives for the command the page displays.

    python3 Tests/Browser/explorer_test.py .build/debug/gansynth [--screenshots DIR]   # DIR/serve-page*.png

Exits 0 when every check holds; prints one line per check.
"""
from __future__ import annotations

import argparse
import base64
import os
import shlex
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("gansynth")
    p.add_argument("--screenshots", help="folder for the page's screenshots")
    args = p.parse_args()
    server = subprocess.Popen([args.gansynth, "serve", "--port", "0", "--models", os.path.join(ROOT, "Models")],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        base = "http://" + line.rsplit("http://", 1)[1].strip().rstrip("/")
        options = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,760"):
            options.add_argument(a)
        options.binary_location = "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            return run(driver, base, args.screenshots)
        finally:
            driver.quit()
    finally:
        server.terminate()
        server.wait(10)


def shown(driver) -> tuple[bytes, str]:
    """The bytes of the image on the page (its blob URL read back) and the command shown beside it."""
    b64 = driver.execute_async_script(
        "const done = arguments[0];"
        "fetch(document.getElementById('picture').src).then(r => r.arrayBuffer()).then(b => {"
        "  let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); done(btoa(s)); });")
    return base64.b64decode(b64), driver.find_element(By.ID, "command").text


def settle(driver, previous: str | None = None) -> tuple[bytes, str]:
    """Waits until the page shows an image (a new one, if `previous` is the old command) and no request runs."""
    def ready(d):
        cmd = d.find_element(By.ID, "command").text
        src = d.find_element(By.ID, "picture").get_attribute("src") or ""
        return src.startswith("blob:") and cmd and cmd != previous
    WebDriverWait(driver, 20).until(ready)
    time.sleep(0.3)  # a queued refresh after the last change
    return shown(driver)


def api_bytes(base: str, command: str) -> bytes:
    """What the API returns for the page's command (`gansynth sample … out.png` as the page shows it)."""
    words = shlex.split(command)
    opts = dict(zip(words[2:-1:2], words[3:-1:2]))
    q = {"model": opts["--model"], "seed": opts["--seeds"], "scale": opts.get("--scale", "1")}
    for flag, key in (("--label", "label"), ("--truncation", "truncation"), ("--categorical", "categorical"),
                      ("--continuous", "continuous")):
        if flag in opts:
            q[key] = opts[flag]
    with urllib.request.urlopen(base + "/api/sample?" + urllib.parse.urlencode(q)) as r:
        return r.read()


def run(driver, base: str, screenshots: str | None) -> int:
    driver.get(base + "/")
    first, cmd0 = settle(driver)
    check(first[:8] == b"\x89PNG\r\n\x1a\n" and "--model mnist-infogan" in cmd0, f"the page opens on the default model, mnist-infogan: {cmd0}")
    check(first == api_bytes(base, cmd0), "its image is the API's for the command shown")
    if screenshots:
        os.makedirs(screenshots, exist_ok=True)

    Select(driver.find_element(By.ID, "model")).select_by_visible_text("mnist-cgan")
    img1, cmd1 = settle(driver, cmd0)
    check("--model mnist-cgan" in cmd1, f"picking mnist-cgan changes the command: {cmd1}")
    Select(driver.find_element(By.ID, "label")).select_by_visible_text("7")
    img2, cmd2 = settle(driver, cmd1)
    check("--label 7" in cmd2 and img2 != img1, f"picking the class '7' changes the image: {cmd2}")
    check(img2 == api_bytes(base, cmd2), "the class-7 image is the API's for the command shown")

    slider = driver.find_element(By.ID, "truncation")
    ActionChains(driver).click_and_hold(slider).move_by_offset(-slider.size["width"] // 3, 0).release().perform()
    img3, cmd3 = settle(driver, cmd2)
    check("--truncation 0." in cmd3 and img3 != img2, f"moving the truncation slider changes the image: {cmd3}")
    check(img3 == api_bytes(base, cmd3), "the truncated image is the API's for the command shown")

    driver.find_element(By.ID, "plus").click()
    img4, cmd4 = settle(driver, cmd3)
    check("--seeds 1 " in cmd4 + " " and img4 != img3, f"+1 steps the seed: {cmd4}")
    if screenshots:
        driver.save_screenshot(os.path.join(screenshots, "serve-page.png"))

    Select(driver.find_element(By.ID, "view-mode")).select_by_value("interpolate")
    img5, cmd5 = settle(driver, cmd4)
    check(cmd5.startswith("gansynth interpolate") and img5 != img4, f"the interpolation view shows a walk: {cmd5}")
    if screenshots:
        driver.save_screenshot(os.path.join(screenshots, "serve-page-interpolation.png"))
    print(f"{len(failures)} of the checks failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
