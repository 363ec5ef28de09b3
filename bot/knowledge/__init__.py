"""The knowledge store and its staff file formats.

``records`` says what a fact looks like; one module per staff file in knowledge/ (``programs``,
``vocabulary``, ``answers``, ``contacts``, ``info_sessions``, ``course_schedule``) parses it into records
and dumps records back, with ``formats`` holding what they share; ``files`` imports and exports the
whole set; ``store`` is the only module that reads or writes the tables declared in ``tables``.
"""
