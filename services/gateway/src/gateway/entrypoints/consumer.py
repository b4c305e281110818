"""Events the gateway service applies (each once, through the inbox)."""

from cch_messaging import HandlerRegistry

handlers = HandlerRegistry()
