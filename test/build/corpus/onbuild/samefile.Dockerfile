FROM busybox AS p
ONBUILD RUN echo samefile > /samefile.txt
FROM p
RUN echo after > /after.txt
