"""Guided help: school stage calculation, birth-date parsing, the emergency detector,
the staff-maintained directories (schools, medical facilities) and the medical phrase cards.

Pure logic and data loading only; the conversations live in bot/handlers/schooling.py,
bot/handlers/medical.py and bot/handlers/emergency/.
"""
