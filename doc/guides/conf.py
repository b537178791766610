# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Sphinx configuration of the vmpower guides. Built by meson (doc/guides/
# meson.build, -Denable_docs=true) and by the docs test, with -W.

project = 'vmpower'
copyright = '2026, The vmpower authors'
author = 'The vmpower authors'
# meson passes -D version=... -D release=...; a bare sphinx-build gets this.
version = release = 'dev'

extensions = []
master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = ['_build']
highlight_language = 'none'
pygments_style = 'sphinx'
numfig = True

html_theme = 'alabaster'
html_title = 'vmpower documentation'
html_show_sourcelink = False
html_static_path = []

# No man pages here: doc/man/ holds them, written in groff.
