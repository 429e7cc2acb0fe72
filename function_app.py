"""The Azure Functions app: it registers the blueprints, nothing else (see functions/)."""

import azure.durable_functions as df
import azure.functions as func

from functions import fanout, http_api, queues, schedule

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(http_api.bp)
app.register_functions(queues.bp)
app.register_functions(fanout.bp)
app.register_functions(schedule.bp)
