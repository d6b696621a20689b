"""Charts and dashboards in one model, for every dialect: the commands that change them
(``commands``), and rendering a chart for a time window (``render``)."""
