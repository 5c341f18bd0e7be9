"""Django tests of the reference app; they run against PostgreSQL (see tests/app/ in the repo)."""

import warnings

# STATIC_ROOT is filled by collectstatic at image build time; a checkout has none, and no test
# here serves a collected file (tests/app/ does, after running collectstatic itself).
warnings.filterwarnings("ignore", message=r"No directory at: .*staticfiles", category=UserWarning)
