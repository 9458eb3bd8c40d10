"""The `affect` command's manners: help texts, usage errors, exit codes."""

import click
import pytest
from click.testing import CliRunner

from affect_features.cli import cli


def _run(args, env=None):
    return CliRunner().invoke(cli, args, catch_exceptions=False, env=env)


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


def test_help_summaries_are_not_truncated():
    for args in ([], ["library"]):
        out = _run([*args, "--help"]).output
        listed = out.split("Commands:")[1]
        assert "..." not in listed, listed
    assert "library" in _run(["--help"]).output
    assert "Q1 happy/excited" in _run(["--help"]).output
    assert "_AFFECT_COMPLETE=bash_source" in _run(["--help"]).output


def test_every_option_has_a_help_text():
    for path, cmd in _commands(cli):
        for param in cmd.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, f"affect {' '.join(path)} {param.opts[0]} has no help"


def test_groups_option_lists_the_groups():
    from affect_features.audio import AUDIO_GROUPS
    from affect_features.image import IMAGE_GROUPS

    for command, groups in (("extract-image", IMAGE_GROUPS),
                            ("extract-audio", tuple(AUDIO_GROUPS))):
        text = " ".join(CliRunner().invoke(cli, [command, "--help"],
                                           terminal_width=1000).output.split())
        assert f"among: {', '.join(groups)} (default: all)" in text


def test_top_k_has_help():
    assert "Songs per photo" in _run(["match", "--help"]).output


@pytest.mark.parametrize("args, option", [
    (["extract-image", ".", "--groups", "colour"], "--groups"),
    (["labels", "--map", "mikels"], "--map"),
    (["labels", "--map", "mikels:klingon"], "--map"),
    (["evaluate", "--music", "4q:/nowhere", "--cv", "1"], "--cv"),
    (["train", "audio", "--dataset", "4q:/nowhere", "-o", "m", "--cv", "1"], "--cv"),
    (["train", "audio", "--dataset", "4q:/nowhere", "-o", "m", "--evaluate-folds", "1"],
     "--evaluate-folds"),
    (["predict", ".", "--jobs", "-3"], "--jobs"),
])
def test_usage_errors_exit_2_and_name_the_option(args, option):
    res = _run(args)
    assert res.exit_code == 2, res.output
    assert option in res.output and "Traceback" not in res.output


def test_extract_from_a_folder_without_images_fails_and_writes_nothing(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    out = tmp_path / "features.csv"
    res = _run(["extract-image", str(tmp_path), "-o", str(out)])
    assert res.exit_code == 1
    assert "no image files found" in res.stderr and str(tmp_path) in res.stderr
    assert not out.exists()
    res = _run(["extract-image", str(tmp_path)])
    assert res.exit_code == 1 and res.stdout == ""


def test_evaluate_checks_every_data_set_before_extracting(tmp_path, monkeypatch):
    from affect_features import training

    def no_extraction(*a, **k):
        raise AssertionError("extraction started before the sets were checked")

    monkeypatch.setattr(training, "evaluate_sets", no_extraction)
    photos = tmp_path / "emotion6"
    (photos / "images").mkdir(parents=True)
    res = _run(["evaluate", "--images", f"emotion6:{photos}", "--music",
                f"4q:{tmp_path / 'no-such-4q'}", "--cv", "0"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "--images" in res.output or "--music" in res.output
    res = _run(["train", "image", "--dataset", f"4q:{tmp_path}", "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "--dataset" in res.output


def test_shell_completion_script_and_answers():
    import os
    import subprocess
    import sys

    base = [sys.executable, "-m", "affect_features.cli"]
    env = dict(os.environ, _AFFECT_COMPLETE="bash_source")
    script = subprocess.run(base, env=env, capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and "complete -o nosort -F" in script.stdout
    env = dict(os.environ, _AFFECT_COMPLETE="bash_complete", COMP_WORDS="affect lib",
               COMP_CWORD="1")
    answer = subprocess.run(base, env=env, capture_output=True, text=True, timeout=60)
    assert "plain,library" in answer.stdout.split()
