"""Uploaded files for dossiers: whether a file may be kept (`services.inspect_upload`).

No models: the dossier app stores what this one accepts, under `InspectedFile.storage_name`.
"""
