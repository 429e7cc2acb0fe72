"""The Azure Functions edge: one thin blueprint per trigger family, registered by function_app.py.

Each function parses its trigger, calls one `agentcore.pipeline` entry and settles. Dependencies
come from `agentcore.pipeline.wiring.app_dependencies()` (built once from app settings; tests
replace parts with `wiring.override(...)`).
"""
