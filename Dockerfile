# cardgen in a container whose cards are byte-identical to CI's: Debian 12 (bookworm) slim
# and Python 3.11 as CI, the same Debian font packages (pinned), and the libraries that
# decide pixels pinned by examples/constraints.txt (Pillow's wheel brings FreeType 2.14.3).
#   docker build -t cardgen .
#   docker run --rm -v "$PWD:/project" -u "$(id -u)" cardgen render --out output
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# The system fonts cardgen falls back to (scripts and emoji the bundled fonts lack).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fontconfig=2.14.1-4 \
      fonts-noto-core=20201225-1 \
      fonts-noto-cjk=1:20220127+repack1-1 \
      fonts-noto-color-emoji=2.042-0+deb12u1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/cardgen
COPY pyproject.toml README.md ./
COPY cardgen cardgen
COPY fonts fonts
COPY layouts layouts
COPY quotes quotes
COPY examples examples
RUN pip install -c examples/constraints.txt '.[dask]'

# The image's cards must be CI's: the reference cards (tests/test_examples.py checks the
# same list in CI) are rendered here and compared by sha256, or the build fails.
RUN cardgen render --platform instagram-square --jobs 1 --out /tmp/reference \
 && cd /tmp/reference \
 && sha256sum --check --strict /opt/cardgen/examples/reference-cards.sha256 \
 && rm -rf /tmp/reference

RUN useradd --create-home --uid 1000 cardgen
USER cardgen
WORKDIR /project
ENTRYPOINT ["cardgen"]
CMD ["render"]
