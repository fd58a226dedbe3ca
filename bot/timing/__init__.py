"""The pure time layer: clocks, time phrases, zones, recurrence and quiet hours. Imports nothing else of bot/."""
