"""National assessment of risk and resilience: the file format, scoring, gaps, comparison.

``model`` holds the data, ``io`` reads and writes files, ``scoring`` turns ratings
into a scorecard, ``gaps`` matches high risk to weak resilience, ``compare``
diffs two assessments. None of them imports Django.
"""
