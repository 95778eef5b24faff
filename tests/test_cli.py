import subprocess
import sys

from robocore.cli import main


def test_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as e:
        assert e.code == 0
    out = capsys.readouterr().out
    assert "robocore" in out and "COMMAND" in out


def test_unknown_command_is_one_line_exit_2():
    proc = subprocess.run([sys.executable, "-m", "robocore", "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "frobnicate" in proc.stderr
