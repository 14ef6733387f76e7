"""Endpoints of the management API: each authenticates the caller, opens one transaction and
hands it to a function of `stadsdata/management/`, which decides and does the work.

The routes of each resource are in a module named after it (`party_routes.py`,
`account_routes.py`, `dataset_routes.py`, `sharing_routes.py`, `consent_routes.py`,
`catalog_routes.py`, `audit_routes.py`, `ingest_routes.py`, `source_routes.py`, `data_routes.py`, `dashboard_routes.py`); this one puts
them on one router, in the order the OpenAPI document lists them."""

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations, and
# `Who` is a type built here.
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBearer

from stadsdata.access.policy import Caller
from stadsdata.api.management.account_routes import add_api_key_routes, add_user_routes
from stadsdata.api.management.aggregate_routes import add_aggregate_routes
from stadsdata.api.management.air_quality_routes import add_air_quality_routes
from stadsdata.api.management.alert_routes import add_alert_routes
from stadsdata.api.management.audit_routes import add_audit_routes
from stadsdata.api.management.catalog_routes import add_catalog_routes
from stadsdata.api.management.charging_routes import add_charging_routes
from stadsdata.api.management.consent_routes import add_consent_routes
from stadsdata.api.management.dashboard_routes import add_dashboard_routes
from stadsdata.api.management.data_routes import add_data_routes
from stadsdata.api.management.dataset_routes import add_dataset_routes
from stadsdata.api.management.download_routes import add_download_routes
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.ingest_routes import add_ingest_routes
from stadsdata.api.management.party_routes import add_me_routes, add_party_routes
from stadsdata.api.management.processing_routes import add_processing_routes
from stadsdata.api.management.public_space_routes import add_public_space_routes
from stadsdata.api.management.quality_routes import add_quality_routes
from stadsdata.api.management.register_routes import add_register_routes
from stadsdata.api.management.sharing_routes import (
    add_access_request_routes,
    add_agreement_routes,
    add_grant_routes,
    add_offer_routes,
)
from stadsdata.api.management.source_routes import add_source_routes
from stadsdata.api.management.waste_routes import add_waste_routes
from stadsdata.platform import Platform

# Shown in the OpenAPI document; the Authenticator reads the headers itself.
_SCHEMES = [
    Depends(HTTPBearer(auto_error=False, description="an API key (sdk_…) or an OpenID Connect access token")),
    Depends(APIKeyHeader(name="X-API-Key", auto_error=False)),
    Depends(HTTPBasic(auto_error=False, description="a local account")),
]


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(dependencies=_SCHEMES)
    tools = Endpoints(platform.store, platform.settings, platform.authenticator)
    Who = Annotated[Caller, Depends(tools.caller)]  # the caller of an endpoint (401 for wrong credentials)

    add_me_routes(router, tools, Who)
    add_party_routes(router, tools, Who)
    add_user_routes(router, tools, Who)
    add_api_key_routes(router, tools, Who)
    add_dataset_routes(router, tools, Who)  # with the Datastreams and MultiDatastreams in a dataset
    add_catalog_routes(router, tools, Who, platform)
    add_processing_routes(router, tools, Who, platform)
    add_register_routes(router, tools, Who, platform)  # the sensor register
    add_download_routes(router, tools, Who, platform)  # downloads of any selection, a party's own export
    add_grant_routes(router, tools, Who)
    add_offer_routes(router, tools, Who)
    add_access_request_routes(router, tools, Who)
    add_agreement_routes(router, tools, Who)
    add_consent_routes(router, tools, Who)
    add_audit_routes(router, tools, Who)
    add_ingest_routes(router, tools, Who, platform)
    add_source_routes(router, tools, Who, platform)
    add_data_routes(router, tools, Who, platform.core.access)
    add_quality_routes(router, tools, Who, platform.core.access)  # a Datastream's data quality
    add_alert_routes(router, tools, Who, platform.core.access)  # alert rules and alerts
    add_aggregate_routes(router, tools, Who, platform.core.access, platform.areas)  # statistics per calendar interval
    add_public_space_routes(router, tools, Who, platform.core.access)  # mowing, groundwater, street lights
    add_waste_routes(router, tools, Who, platform.core.access)  # the waste collection route
    add_charging_routes(router, tools, Who, platform.core.access, platform.areas)  # EV charging: occupancy, placement, peak shaving
    add_air_quality_routes(router, tools, Who, platform.core.access, platform.areas)  # air-quality exceedances
    add_dashboard_routes(router, tools, Who)
    return router
