"""Stand-ins and helpers the tests share: the runner's protocol, the Discord, GitHub, OIDC, Slack and
Sentry stand-ins, a fault proxy, and the tallies printed at the end of a session."""
