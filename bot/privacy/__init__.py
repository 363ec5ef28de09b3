"""Personal data: how long it is kept (``retention``: conversations, ``tickets``) and what logs leave out."""
