"""Operating Linzhu: metrics, readiness, retention, backups, the doctor (bot/ops/*).

Above the channels and beside the web layer: these modules may read every store and setting;
nothing below imports them. bot/runtime.py wires them into `linzhu serve` and the dispatcher.
"""
