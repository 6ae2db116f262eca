# One image for every Tangvat service; docker-compose.yml picks the service and entry point:
#   python -m tangvat_<service> api | relay | consume | migrate
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app/shared:/app/services/intake:/app/services/custody:/app/services/disposal:/app/services/audit:/app/services/web:/app/deploy

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN useradd --system --uid 10001 --no-create-home --home-dir /app tangvat
USER tangvat

CMD ["python", "-m", "tangvat_intake", "api"]
