#!/usr/bin/env python3
"""Page weight of signed-in pages: HTML plus the CSS and JS they load (uncompressed bytes).

Usage: python3 benches/page_weight.py BASE_URL EMAIL PASSWORD PATH [PATH ...]
e.g.   python3 benches/page_weight.py http://127.0.0.1:18383 bench@example.com "correct horse battery" /inbox /conversations/1
"""
import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

base, email, password, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
login = opener.open(base + "/login").read().decode()
csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": csrf}).encode()
opener.open(base + "/login", form).read()
for path in paths:
    html = opener.open(base + path).read()
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    extra = sum(len(opener.open(base + a.decode()).read()) for a in set(assets))
    print(f"{path}: {len(html) + extra} bytes (HTML {len(html)} + CSS/JS {extra})")
