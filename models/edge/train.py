"""`python -m models.edge.train --out DIR [--data DIR] [--preset paper|cpu_small] ...`"""

import sys

from models.diffusion.training import main
from models.registry import MODEL_KINDS

if __name__ == "__main__":
    sys.exit(main(MODEL_KINDS["edge"]))
