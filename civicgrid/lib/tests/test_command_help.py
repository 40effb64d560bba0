"""Every command of the project prints its help (a lazy translation in ``help`` breaks argparse)."""

import pytest
from django.core.management import get_commands, load_command_class

OURS = sorted(name for name, app in get_commands().items() if app.startswith("civicgrid."))


def test_it_finds_the_project_commands():
    assert {"build_demo_city", "import_regions", "locate", "sweep_deadlines"} <= set(OURS)


@pytest.mark.parametrize("name", OURS)
def test_it_prints_the_help_of(name, capsys):
    command = load_command_class(get_commands()[name], name)
    command.create_parser("manage.py", name).print_help()
    assert name in capsys.readouterr().out
