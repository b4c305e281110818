"""Events the stratification service applies (each once, through the inbox)."""

from cch_messaging import HandlerRegistry

handlers = HandlerRegistry()
