"""Sphinx configuration of the course's website: the committed notebooks, as they are, with MyST-NB and
the book theme, built offline by ``python -m involution_tf site`` (see involution_tf/site.py)."""

project = "Involution, from the formula to honest measurements"
author = "involution-course"
copyright = "2026, the involution-course authors (MIT licence)"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx_copybutton"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_generated"]  # _generated: included by index.md

# The committed notebooks with their saved outputs: nothing runs at build time.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath"]
# A cell's markdown output (the tables notebook 04 generates) is read as MyST, which has tables; myst-nb's
# default, CommonMark, has none and would print them as lines of pipes.
nb_render_markdown_format = "myst"
myst_heading_anchors = 3

# MathJax 3 is served with the site (from the django-static-mathjax package, which ships it whole), never
# from a CDN: the site reads offline. Its SVG output draws every glyph itself: no font files to fetch.
mathjax_path = "mathjax/tex-svg.js"

html_theme = "sphinx_book_theme"
html_title = "Involution course"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "repository_url": "https://github.com/involution-course/involution-course",
    "use_repository_button": True,
    "use_download_button": True,
    "show_navbar_depth": 1,
}
html_context = {"default_mode": "light"}
html_favicon = "_static/favicon.svg"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
