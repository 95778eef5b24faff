"""``robocore keys``: the keys directory layout and its refusals."""

import json
import os
import stat

import pytest

from bridge.keys import KeyStore
from robocore.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_robot_register_list(tmp_path, capsys):
    d = str(tmp_path / "k")
    code, out, _ = run(capsys, "keys", "init", "--dir", d, "--json")
    assert code == 0
    controller = json.loads(out)["controller_public"]
    assert len(controller) == 40
    assert stat.S_IMODE(os.stat(os.path.join(d, "controller.key_secret")).st_mode) == 0o600
    code, out, _ = run(capsys, "keys", "robot", "AGV-1", "--count", "2", "--dir", d, "--json")
    robots = json.loads(out)["robots"]
    assert code == 0 and sorted(robots) == ["AGV-1", "R0000", "R0001"]
    assert sorted(os.listdir(os.path.join(d, "allowlist"))) == ["AGV-1.key", "R0000.key", "R0001.key"]
    assert sorted(os.listdir(os.path.join(d, "secrets"))) == ["AGV-1.key_secret", "R0000.key_secret",
                                                              "R0001.key_secret"]
    # a robot that made its own key pair elsewhere: register its public key from the certificate file
    other = KeyStore(tmp_path / "elsewhere")
    pair = other.generate_controller()
    code, _, _ = run(capsys, "keys", "register", "AGV-2", str(tmp_path / "elsewhere" / "controller.key"), "--dir", d)
    assert code == 0
    code, out, _ = run(capsys, "keys", "list", "--dir", d, "--json")
    listed = json.loads(out)
    assert listed["controller_public"] == controller
    assert listed["robots"]["AGV-2"] == pair.public.decode()
    assert listed["robots"]["AGV-1"] == robots["AGV-1"]
    assert KeyStore(d).allowlist()[pair.public] == "AGV-2"


@pytest.mark.parametrize("argv,needle", [
    (["keys", "register", "bad serial!", "x" * 40], "serial number 'bad serial!'"),
    (["keys", "register", "R1", "tooshort"], "not a 40-character Z85 CURVE key"),
    (["keys", "robot"], "name robot serials"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, needle):
    code, out, err = run(capsys, *argv, "--dir", str(tmp_path))
    assert code == 2 and needle in err and err.count("\n") == 1 and out == ""


def test_refuses_to_overwrite_or_reuse_a_key(tmp_path, capsys):
    d = str(tmp_path)
    assert run(capsys, "keys", "init", "--dir", d)[0] == 0
    code, _, err = run(capsys, "keys", "init", "--dir", d)
    assert code == 2 and "--force" in err
    run(capsys, "keys", "robot", "R1", "--dir", d)
    key = KeyStore(d).robot("R1").public.decode()
    code, _, err = run(capsys, "keys", "register", "R2", key, "--dir", d)
    assert code == 2 and "already registered for serial 'R1'" in err
    code, _, err = run(capsys, "keys", "register", "R1", key, "--dir", d)
    assert code == 2 and "--force" in err
