"""Only the optional C accelerator lives here; everything else is in pyproject.toml.

``searchkit.text._viterbi`` (the segmentation Viterbi in C) is built when a C compiler and the
Python headers are available; without them the build goes on and searchkit uses its
pure-Python decoder, with the same output.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("searchkit.text._viterbi", ["searchkit/text/_viterbi.c"], optional=True)])
