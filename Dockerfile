# Crosscheck dashboard with the demo database baked in.
#   docker build -t crosscheck .
#   docker run -p 8501:8501 -v crosscheck-data:/data crosscheck
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    CROSSCHECK_DB=/data/crosscheck.duckdb

WORKDIR /app

# The CPU build of torch first, from PyTorch's CPU index, so the requirements never pull CUDA.
COPY requirements.txt ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0" \
 && pip install -r requirements.txt

COPY pyproject.toml README.md app.py ./
COPY src ./src
COPY views ./views
COPY data ./data
COPY .streamlit/config.toml ./.streamlit/config.toml
RUN pip install --no-deps -e .

# The demo database is built at image build time; a volume on /data keeps later uploads.
RUN mkdir -p /data && python -m crosscheck demo --db /data/crosscheck.duckdb \
 && useradd --create-home crosscheck && chown -R crosscheck /data
USER crosscheck
VOLUME /data

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
