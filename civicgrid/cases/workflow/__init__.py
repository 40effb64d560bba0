"""Workflow tables: plain Python, no Django. See ``engine.py`` for the vocabulary.

Each kind of case has one workflow; ``workflow_for(kind)`` finds it. Further workflows (disputes,
grievances, tips) register here.
"""

from civicgrid.cases.workflow.engine import Workflow
from civicgrid.cases.workflow.problem import PROBLEM

WORKFLOWS: dict[str, Workflow] = {PROBLEM.name: PROBLEM}


def register(workflow: Workflow) -> Workflow:
    WORKFLOWS[workflow.name] = workflow
    return workflow


def workflow_for(kind: str) -> Workflow:
    try:
        return WORKFLOWS[kind]
    except KeyError:
        raise KeyError(f"no workflow for cases of kind {kind!r}") from None
