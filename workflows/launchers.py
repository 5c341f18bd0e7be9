"""Tiny Python launchers that run as the main container's command (`python3 -c <launcher> ...`).

Why a launcher at all: Argo substitutes parameters as *strings*, so a parameter cannot become
a variable-length `command`/`args` list, and `podSpecPatch` cannot set `command` either -
Argo applies the patch after it wrapped the command with its emissary executor, so a patched
command would bypass output collection. The launcher decodes the list parameters inside the
pod and `exec`s the real program, which takes over the launcher's process: signals and the
exit code are the program's own, as if Argo had started it directly. No shell is involved, so parameter text is never shell-parsed.

Both launchers need `python3` in the image: true for the run-code default image and for the
Django image. Tests run them locally with the same argv the manifests produce.
"""

from __future__ import annotations

# Shared by both launchers: a JSON list-of-strings parameter, or a clear error naming it.
_DECODE_LIST = """\
import json, os, shlex, sys


def json_words(name, text):
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        sys.exit(f"{PREFIX}: parameter {name} must be a JSON list of strings, got {text!r}")
    return value
"""

RUN_CODE = (
    'PREFIX = "run-code"\n'
    + _DECODE_LIST
    + """
# argv: command (JSON list), code ("" = none), args (JSON list)
command = json_words("command", sys.argv[1])
code = sys.argv[2]
args = json_words("args", sys.argv[3])
if not command:
    sys.exit("run-code: parameter command must not be empty, e.g. [\\"python\\", \\"-c\\"]")
os.makedirs(os.environ["RUN_CODE_OUTPUTS_DIR"], exist_ok=True)
argv = command + ([code] if code else []) + args
os.execvp(argv[0], argv)
"""
)
"""run-code's launcher: `command + [code] + args`, with the outputs directory created first."""

DJANGO_MANAGE = (
    'PREFIX = "django-manage"\n'
    + _DECODE_LIST
    + """
# argv: path of manage.py, command (shell-like words, never run by a shell), args (JSON list)
manage_py = sys.argv[1]
command = shlex.split(sys.argv[2])
args = json_words("args", sys.argv[3])
if not command:
    sys.exit("django-manage: parameter command must name a management command, e.g. 'migrate --noinput'")
argv = [sys.executable, manage_py] + command + args
os.execv(sys.executable, argv)
"""
)
"""django-manage's launcher: `python manage.py <command words> <args>`."""
