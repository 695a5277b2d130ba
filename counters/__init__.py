"""Counter workstation pages for agents and level-2 experts (built in the counter issue).

Until then, agents use the REST API: call-next and the ticket actions.
"""
