"""Portfolio health dashboard: ``data.portfolio_dashboard_data`` reads the selectors once (a fixed number of
queries), and the ``*_chart`` builders of ``charts`` and ``value`` turn that plain data into ``Chart`` objects (pure,
testable without a database), assembled by ``charts.portfolio_charts``; ``kpis.portfolio_kpis`` gives the headline
figures and ``base`` holds the colours and helpers the builders share. Every mark carries a drill-down URL in
``customdata``: the project's dashboard, or the project list filtered the same way as the dashboard plus the chart's
own category.
"""
