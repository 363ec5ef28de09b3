"""What only developers and operators run, kept out of the runtime ``bot`` package: ``python -m tools --help``.

``servers`` starts the assistant locally, ``evaluate`` and ``seeds`` measure it, ``local_cluster`` runs the
production layout on this machine and ``loadtest`` drives it with faults.
"""
