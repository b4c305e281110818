"""The development stack: what `make run` and the end-to-end tests start."""

from cch_devstack.config import SERVICES, StackConfig
from cch_devstack.errors import StackError
from cch_devstack.stack import Stack

__all__ = ["SERVICES", "Stack", "StackConfig", "StackError"]
