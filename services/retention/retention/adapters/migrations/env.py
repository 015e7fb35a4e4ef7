from events.migrations.env import run

run()
