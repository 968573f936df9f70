"""Documents as a parser hands them over, before anything checks them: the honest type of
parsed JSON and YAML. Code that reads one narrows it with `isinstance` or validates it
into a model; nothing else is known of it."""

from __future__ import annotations

import datetime
from typing import TypeAlias

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject: TypeAlias = dict[str, JsonValue]

# YAML's safe loader adds dates and times (`!!timestamp`) and bytes (`!!binary`); keys are
# strings (yamlio makes them so).
YamlValue: TypeAlias = (
    JsonScalar | datetime.date | bytes | list["YamlValue"] | dict[str, "YamlValue"]
)
YamlMapping: TypeAlias = dict[str, YamlValue]
