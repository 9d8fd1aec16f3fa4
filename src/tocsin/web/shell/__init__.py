"""The frame every page of the site shares: the base template, the one stylesheet, the
error pages, the template tags, the display names of coded values (``labels``), and
the ``migrate`` command that first carries an older database forward (``upgrade``)."""
