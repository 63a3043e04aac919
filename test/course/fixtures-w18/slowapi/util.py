# Stand-in for slowapi.util (see __init__.py).
def get_remote_address(request):
    if not request.client or not request.client.host:
        return "127.0.0.1"
    return request.client.host
