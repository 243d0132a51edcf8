"""One scoring pipeline per protocol kind (`pipelines/<kind>.py` pairs with `protocols/<kind>.py`), plus the shared assembly."""
