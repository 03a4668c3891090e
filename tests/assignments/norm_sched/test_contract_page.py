"""docs/norm_sched.md, the students' contract page, agrees with the graders and with the notebook's written questions."""

import pytest

from autograder.assignment import load
from tests.contract_page import *  # noqa: F403  (the tests, collected here, and ContractPage)


@pytest.fixture(scope="module")
def page() -> ContractPage:  # noqa: F405
    return ContractPage(load("norm_sched"))  # noqa: F405
