"""gunicorn reads this file from its working directory (``/app`` in the image) unless told
otherwise; the Dockerfile and docker-compose.yml start gunicorn there.

gunicorn 27 has no setting for its ``Server`` header and always sends ``Server: gunicorn``. The
value is read from ``gunicorn.http.wsgi.SERVER`` for every response, so it is blanked here,
before the workers fork. The app itself sends none (config/headers.py); a proxy in front may
drop the empty header altogether.
"""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = ""
