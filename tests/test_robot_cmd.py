"""``robocore robot``: bad input is one line and exit code 2, before any socket is made."""

import pytest

from robocore.cli import main


@pytest.mark.parametrize("argv,needle", [
    (["--connect", "127.0.0.1:5555"], "--connect must be tcp://host:port"),
    (["--connect", "tcp://127.0.0.1:5555", "--count", "0"], "--count must be >= 1"),
    (["--connect", "tcp://127.0.0.1:5555", "--step-s", "0"], "--step-s must be > 0"),
    (["--connect", "tcp://127.0.0.1:5555", "--count", "61", "--insecure"], "has 60 spawn cells"),
    (["--connect", "tcp://127.0.0.1:5555", "--keys", "{tmp}/nokeys"], "key file not found"),
    (["--connect", "tcp://127.0.0.1:5555", "--motion", "{bad"], "--motion: not JSON"),
    (["--connect", "tcp://127.0.0.1:5555", "--motion", "[1]"], "--motion must be a JSON object"),
    (["--connect", "tcp://127.0.0.1:5555", "--motion", '{"warp": 9}'], "--motion: unknown field 'warp'"),
    (["--connect", "tcp://127.0.0.1:5555", "--motion", '{"fault_rate": 2}'], "fault_rate must be a probability"),
    (["--connect", "tcp://127.0.0.1:5555", "--battery", "120"], "--battery must be in 0..100"),
])
def test_bad_input(tmp_path, capsys, argv, needle):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code = main(["robot", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and needle in err and err.count("\n") == 1 and out == ""
