"""The case flow: intake, lifecycle, routing, calendar, deadlines."""
