from pydantic import Field, SecretStr, model_validator

from safeguard_shared.settings import ServiceSettings

SERVICE = "referrals"
DEFAULT_PORT = 8101
# A case's documents are at most this large by default (REFERRALS_DOCUMENTS_MAX_BYTES).
DOCUMENTS_MAX_BYTES = 20 * 1024 * 1024
# What a multipart body carries besides the file itself: its boundaries, part headers and the kind.
MULTIPART_ENVELOPE_BYTES = 64 * 1024


class ReferralsSettings(ServiceSettings):
    # A partnership may hold the national Panel's notification until the local authority confirms it
    # (the 5-working-day clock runs from awareness either way). Default: notify at once.
    panel_notice_awaits_la_confirmation: bool = Field(
        default=False, validation_alias="REFERRALS_PANEL_NOTICE_AWAITS_LA_CONFIRMATION")
    # A case's documents: the largest accepted, and where they are kept — a folder under the data folder
    # unless a bucket of S3-compatible object storage is named (then its endpoint, region and keys;
    # keys unset, boto3's own chain: the environment, an instance or pod role).
    documents_max_bytes: int = Field(default=DOCUMENTS_MAX_BYTES, gt=0,
                                     validation_alias="REFERRALS_DOCUMENTS_MAX_BYTES")
    documents_bucket: str | None = Field(default=None, validation_alias="REFERRALS_DOCUMENTS_BUCKET")
    documents_endpoint_url: str | None = Field(default=None, validation_alias="REFERRALS_DOCUMENTS_ENDPOINT_URL")
    documents_region: str | None = Field(default=None, validation_alias="REFERRALS_DOCUMENTS_REGION")
    documents_access_key_id: str | None = Field(default=None, validation_alias="REFERRALS_DOCUMENTS_ACCESS_KEY_ID",
                                                repr=False)
    documents_secret_access_key: str | None = Field(
        default=None, validation_alias="REFERRALS_DOCUMENTS_SECRET_ACCESS_KEY", repr=False)
    documents_prefix: str = Field(default="documents/", validation_alias="REFERRALS_DOCUMENTS_PREFIX")
    # The static secret the notifications service shows to read a completed rapid review template
    # when it sends it to the Panel (its NOTIFICATIONS_REFERRALS_TOKEN); unset, only a caller on this
    # machine is answered (the embedded default).
    service_token: SecretStr | None = Field(default=None, min_length=16, validation_alias="REFERRALS_SERVICE_TOKEN")

    @model_validator(mode="after")
    def _uploads_fit_a_document(self) -> "ReferralsSettings":
        # The body bound of upload routes (SAFEGUARD_MAX_UPLOAD_BYTES) must let a document of the largest
        # size through with its multipart envelope, so that the document's own limit answers, by name.
        self.max_upload_bytes = max(self.max_upload_bytes, self.documents_max_bytes + MULTIPART_ENVELOPE_BYTES)
        return self


def load_settings(**overrides: object) -> ReferralsSettings:
    settings: ReferralsSettings = ReferralsSettings.for_service(SERVICE, DEFAULT_PORT, **overrides)
    return settings
