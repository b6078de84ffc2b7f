<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es_ES">
<context>
    <name>ComposeScreen</name>
    <message>
        <location filename="../../ui/screens/compose.py" line="126"/>
        <source>New message to {name}</source>
        <translation>Mensaje nuevo para {name}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="128"/>
        <source>Reply to {name}</source>
        <translation>Responder a {name}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="131"/>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="132"/>
        <source>Back to the conversation; your text is kept</source>
        <translation>Volver a la conversación; su texto se guarda</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="136"/>
        <source>Keyboard</source>
        <translation>Teclado</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="137"/>
        <source>Show or hide the on-screen keyboard</source>
        <translation>Mostrar u ocultar el teclado en pantalla</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="139"/>
        <source>Your reply</source>
        <translation>Su respuesta</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="140"/>
        <source>Write your reply here</source>
        <translation>Escriba aquí su respuesta</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="141"/>
        <source>Send</source>
        <translation>Enviar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="141"/>
        <source>Send this reply</source>
        <translation>Enviar esta respuesta</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="142"/>
        <source>Buy stamps</source>
        <translation>Comprar estampillas</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="142"/>
        <source>Go to stamps to buy more</source>
        <translation>Ir a Estampillas para comprar más</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="247"/>
        <source>{count} of {limit} characters</source>
        <translation>{count} de {limit} caracteres</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="309"/>
        <source>Write something before sending.</source>
        <translation>Escriba algo antes de enviar.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/compose.py" line="349"/>
        <source>Your message to {name} is queued to send.</source>
        <translation>Su mensaje para {name} está en la cola para enviarse.</translation>
    </message>
</context>
<context>
    <name>ContactsScreen</name>
    <message>
        <location filename="../../ui/screens/contacts.py" line="67"/>
        <source>Contacts</source>
        <translation>Contactos</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="68"/>
        <source>Your contacts</source>
        <translation>Sus contactos</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="106"/>
        <source>Approved</source>
        <translation>Aprobados</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="107"/>
        <source>Waiting for approval</source>
        <translation>En espera de aprobación</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="108"/>
        <source>Blocked by you</source>
        <translation>Bloqueados por usted</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="109"/>
        <source>Suspended by the facility</source>
        <translation>Suspendidos por el centro</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="135"/>
        <source>No contacts yet. Family and friends appear here once the facility approves them.</source>
        <translation>Todavía no tiene contactos. Sus familiares y amigos aparecerán aquí cuando el centro los apruebe.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="156"/>
        <source>Reason: {reason}</source>
        <translation>Motivo: {reason}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="166"/>
        <source>Write</source>
        <translation>Escribir</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="167"/>
        <source>Open your conversation with {name} and write to them</source>
        <translation>Abrir su conversación con {name} y escribirle</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="179"/>
        <location filename="../../ui/screens/contacts.py" line="207"/>
        <source>Block</source>
        <translation>Bloquear</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="180"/>
        <source>Stop messages to and from {name}</source>
        <translation>Dejar de enviar y recibir mensajes de {name}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="191"/>
        <source>Unblock</source>
        <translation>Desbloquear</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="192"/>
        <source>Allow messages with {name} again</source>
        <translation>Volver a permitir mensajes con {name}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="203"/>
        <source>Block {name}?</source>
        <translation>¿Bloquear a {name}?</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="205"/>
        <source>You will not get their messages and cannot write to them until you unblock them.</source>
        <translation>No recibirá sus mensajes ni podrá escribirle hasta que lo desbloquee.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/contacts.py" line="208"/>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
</context>
<context>
    <name>ConversationDelegate</name>
    <message>
        <location filename="../../ui/screens/inbox.py" line="371"/>
        <location filename="../../ui/widgets/delegates.py" line="147"/>
        <source>You: {text}</source>
        <translation>Usted: {text}</translation>
    </message>
</context>
<context>
    <name>ConversationScreen</name>
    <message>
        <location filename="../../ui/screens/conversation.py" line="113"/>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="113"/>
        <source>Back to your conversations</source>
        <translation>Volver a sus conversaciones</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="130"/>
        <source>Reply</source>
        <translation>Responder</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="130"/>
        <source>Write a reply in this conversation</source>
        <translation>Escribir una respuesta en esta conversación</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="115"/>
        <location filename="../../ui/screens/conversation.py" line="368"/>
        <source>Delete</source>
        <translation>Borrar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="115"/>
        <source>Delete the chosen message</source>
        <translation>Borrar el mensaje elegido</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="116"/>
        <source>Messages, oldest first, newest at the bottom</source>
        <translation>Mensajes, del más antiguo al más reciente, el más reciente abajo</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="124"/>
        <source>Revise and send again</source>
        <translation>Corregir y volver a enviar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="125"/>
        <source>Open the text of this rejected reply as a draft to change and send</source>
        <translation>Abrir el texto de esta respuesta rechazada como borrador para cambiarlo y enviarlo</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="128"/>
        <source>Write</source>
        <translation>Escribir</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="128"/>
        <source>Write the first message</source>
        <translation>Escribir el primer mensaje</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="230"/>
        <source>No messages with {name} yet.</source>
        <translation>Todavía no hay mensajes con {name}.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="231"/>
        <source>Tap Write to send the first one.</source>
        <translation>Toque Escribir para enviar el primero.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="234"/>
        <source>You blocked this contact. Unblock them in Contacts to reply.</source>
        <translation>Usted bloqueó a este contacto. Desbloquéelo en Contactos para responder.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="236"/>
        <source>This contact is waiting for approval. You can reply once approved.</source>
        <translation>Este contacto está en espera de aprobación. Podrá responder cuando lo aprueben.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="239"/>
        <source>The facility has suspended this contact. You can read but not reply.</source>
        <translation>El centro suspendió a este contacto. Puede leer, pero no responder.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="283"/>
        <source>Your reply is now: {status}</source>
        <translation>Su respuesta ahora está: {status}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="313"/>
        <source>These messages could not be loaded. Try again.</source>
        <translation>No se pudieron cargar estos mensajes. Inténtelo de nuevo.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="364"/>
        <source>Delete this message?</source>
        <translation>¿Borrar este mensaje?</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="366"/>
        <source>It disappears from your messages on this terminal. This cannot be undone here.</source>
        <translation>Desaparecerá de sus mensajes en esta terminal. Aquí no se puede deshacer.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="369"/>
        <source>Keep it</source>
        <translation>Conservarlo</translation>
    </message>
    <message>
        <location filename="../../ui/screens/conversation.py" line="387"/>
        <source>You</source>
        <translation>Usted</translation>
    </message>
</context>
<context>
    <name>Counts</name>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="19"/>
        <source>%n photos</source>
        <translation>
            <numerusform>%n foto</numerusform>
            <numerusform>%n fotos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="22"/>
        <source>%n videos</source>
        <translation>
            <numerusform>%n video</numerusform>
            <numerusform>%n videos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="25"/>
        <source>%n eCards</source>
        <translation>
            <numerusform>%n tarjeta electrónica</numerusform>
            <numerusform>%n tarjetas electrónicas</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="28"/>
        <source>%n attachments</source>
        <translation>
            <numerusform>%n archivo adjunto</numerusform>
            <numerusform>%n archivos adjuntos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="31"/>
        <source>Uses {stamps} of your %n stamps</source>
        <translation>
            <numerusform>Usa {stamps} de su %n estampilla</numerusform>
            <numerusform>Usa {stamps} de sus %n estampillas</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="34"/>
        <source>%n replies waiting to send</source>
        <translation>
            <numerusform>%n respuesta pendiente de envío</numerusform>
            <numerusform>%n respuestas pendientes de envío</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="37"/>
        <source>%n stamp purchases waiting to send</source>
        <translation>
            <numerusform>%n compra de estampillas pendiente de envío</numerusform>
            <numerusform>%n compras de estampillas pendientes de envío</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="40"/>
        <source>The server is busy. Please wait %n seconds, then try again.</source>
        <translation>
            <numerusform>El servidor está ocupado. Espere %n segundo y vuelva a intentarlo.</numerusform>
            <numerusform>El servidor está ocupado. Espere %n segundos y vuelva a intentarlo.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DraftsScreen</name>
    <message>
        <location filename="../../ui/screens/drafts.py" line="82"/>
        <source>Drafts</source>
        <translation>Borradores</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="83"/>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="83"/>
        <source>Back to your conversations</source>
        <translation>Volver a sus conversaciones</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="84"/>
        <source>Your unfinished messages</source>
        <translation>Sus mensajes sin terminar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="132"/>
        <source>No drafts. Anything you start writing is kept here.</source>
        <translation>No hay borradores. Todo lo que empiece a escribir se guarda aquí.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="145"/>
        <source>To {name}, changed {time}</source>
        <translation>Para {name}, cambiado {time}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="162"/>
        <source>Revise and send again</source>
        <translation>Corregir y volver a enviar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="163"/>
        <source>Change this rejected text and send it again</source>
        <translation>Cambiar este texto rechazado y volver a enviarlo</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="166"/>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="166"/>
        <source>Continue writing this message</source>
        <translation>Seguir escribiendo este mensaje</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="171"/>
        <location filename="../../ui/screens/drafts.py" line="202"/>
        <source>Delete</source>
        <translation>Borrar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="171"/>
        <source>Throw this draft away</source>
        <translation>Descartar este borrador</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="180"/>
        <source>Returned: the facility rejected this reply.</source>
        <translation>Devuelto: el centro rechazó esta respuesta.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="183"/>
        <source>Reason: {reason}</source>
        <translation>Motivo: {reason}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="188"/>
        <source>Kept when a session ended.</source>
        <translation>Guardado al terminar una sesión.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="200"/>
        <source>Delete this draft?</source>
        <translation>¿Borrar este borrador?</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="201"/>
        <source>Its text is thrown away. This cannot be undone.</source>
        <translation>Su texto se descartará. Esto no se puede deshacer.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/drafts.py" line="203"/>
        <source>Keep it</source>
        <translation>Conservarlo</translation>
    </message>
</context>
<context>
    <name>EnrollmentScreen</name>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="122"/>
        <source>Set up this terminal</source>
        <extracomment>Refusals that mean another request holds this device ID (the terminal keeps asking).</extracomment>
        <translation>Configurar esta terminal</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="125"/>
        <source>Facility IT: scan this code, or type the device ID into the central service, and approve this terminal by confirming the one-time code shown here. It starts by itself once approved.</source>
        <translation>Personal de TI del centro: escanee este código, o escriba el ID del dispositivo en el servicio central, y apruebe esta terminal confirmando el código de un solo uso que se muestra aquí. Se iniciará sola cuando esté aprobada.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="130"/>
        <source>Device ID</source>
        <translation>ID del dispositivo</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="131"/>
        <source>One-time code</source>
        <translation>Código de un solo uso</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="132"/>
        <source>Enrollment QR code</source>
        <translation>Código QR de registro</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="134"/>
        <source>Contacting the central service…</source>
        <translation>Conectando con el servicio central…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="135"/>
        <source>Waiting for IT to approve this terminal…</source>
        <translation>Esperando a que TI apruebe esta terminal…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="136"/>
        <source>Approved. Starting…</source>
        <translation>Aprobada. Iniciando…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="137"/>
        <source>This terminal was refused. Call facility IT.</source>
        <translation>Esta terminal fue rechazada. Llame al personal de TI del centro.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="138"/>
        <source>Cannot reach the central service. Trying again…</source>
        <translation>No se puede conectar con el servicio central. Intentando de nuevo…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="140"/>
        <source>The central service refuses this terminal&apos;s clock. Call facility IT to set the clock; it tries again by itself.</source>
        <translation>El servicio central rechaza el reloj de esta terminal. Llame al personal de TI del centro para que ajuste el reloj; la terminal lo vuelve a intentar sola.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/enrollment.py" line="144"/>
        <source>The central service refused this enrollment request: another request holds this device ID. Call facility IT.</source>
        <translation>El servicio central rechazó esta solicitud de registro: otra solicitud tiene este ID de dispositivo. Llame al personal de TI del centro.</translation>
    </message>
</context>
<context>
    <name>HelpScreen</name>
    <message>
        <location filename="../../ui/screens/help.py" line="109"/>
        <location filename="../../ui/screens/help.py" line="111"/>
        <source>Help</source>
        <translation>Ayuda</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="110"/>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="110"/>
        <source>Back to your conversations</source>
        <translation>Volver a sus conversaciones</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="114"/>
        <source>Stamps</source>
        <translation>Estampillas</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="115"/>
        <source>Return stamps</source>
        <translation>Estampillas de respuesta</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="116"/>
        <source>Collect replies</source>
        <translation>Respuestas por cobrar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="117"/>
        <source>If a message you send is rejected</source>
        <translation>Si rechazan un mensaje que usted envía</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="131"/>
        <source>Sending a message costs no stamps at this facility.</source>
        <translation>En este centro, enviar un mensaje no cuesta estampillas.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/help.py" line="133"/>
        <source>Each message you send costs %n stamps.</source>
        <translation>
            <numerusform>Cada mensaje que envía cuesta %n estampilla.</numerusform>
            <numerusform>Cada mensaje que envía cuesta %n estampillas.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="138"/>
        <source>Buy stamps on the Stamps screen: they are paid from your debit account and you can use them once the facility confirms the purchase.</source>
        <translation>Compre estampillas en la pantalla Estampillas: se pagan con su cuenta de débito y puede usarlas cuando el centro confirme la compra.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="142"/>
        <source>A reply is paid in this order: the return stamp of the message you answer, then your own stamps, then collect. Before you tap Send, the screen says which one applies.</source>
        <translation>Una respuesta se paga en este orden: la estampilla de respuesta del mensaje que contesta, luego sus propias estampillas, luego por cobrar. Antes de que toque Enviar, la pantalla dice cuál se aplica.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="149"/>
        <source>Someone who writes to you can pay for your reply in advance with a return stamp. Your reply to that message is then free for you, once. Messages with a return stamp show its mark.</source>
        <translation>Quien le escribe puede pagar su respuesta por adelantado con una estampilla de respuesta. Entonces su respuesta a ese mensaje es gratis para usted, una vez. Los mensajes con estampilla de respuesta muestran su marca.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="155"/>
        <source>If you have no stamps, you can send a reply collect to a contact who accepts it: the person you write to pays to open it, and you pay nothing.</source>
        <translation>Si no tiene estampillas, puede enviar una respuesta por cobrar a un contacto que lo acepte: la persona a quien escribe paga para abrirla y usted no paga nada.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="159"/>
        <source>This facility does not allow collect replies.</source>
        <translation>Este centro no permite respuestas por cobrar.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="161"/>
        <source>Staff may reject a message and give a reason. A rejected reply comes back to you as a draft: open Drafts, change it and tap Revise and send again.</source>
        <translation>El personal puede rechazar un mensaje y dar el motivo. Una respuesta rechazada vuelve a usted como borrador: abra Borradores, cámbiela y toque Corregir y volver a enviar.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="165"/>
        <source>The stamp it used is given back to you.</source>
        <translation>Se le devuelve la estampilla que usó.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/help.py" line="167"/>
        <source>At this facility, the stamp it used is not given back.</source>
        <translation>En este centro, la estampilla que usó no se devuelve.</translation>
    </message>
</context>
<context>
    <name>IdleWarning</name>
    <message>
        <location filename="../../ui/widgets/idle_warning.py" line="53"/>
        <source>Messaging closes soon</source>
        <translation>La mensajería cierra pronto</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/idle_warning.py" line="60"/>
        <source>Your time is almost up</source>
        <translation>Su tiempo casi se acaba</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/idle_warning.py" line="67"/>
        <source>Are you still there?</source>
        <translation>¿Sigue ahí?</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/widgets/idle_warning.py" line="55"/>
        <source>Messaging closes in %n seconds. Anything you are writing is kept as a draft.</source>
        <translation>
            <numerusform>La mensajería cierra en %n segundo. Lo que esté escribiendo se guardará como borrador.</numerusform>
            <numerusform>La mensajería cierra en %n segundos. Lo que esté escribiendo se guardará como borrador.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/widgets/idle_warning.py" line="62"/>
        <source>Your session ends in %n seconds. Anything you are writing is kept as a draft.</source>
        <translation>
            <numerusform>Su sesión termina en %n segundo. Lo que esté escribiendo se guardará como borrador.</numerusform>
            <numerusform>Su sesión termina en %n segundos. Lo que esté escribiendo se guardará como borrador.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/widgets/idle_warning.py" line="69"/>
        <source>Your session ends in %n seconds unless you tap More time.</source>
        <translation>
            <numerusform>Su sesión termina en %n segundo, a menos que toque Más tiempo.</numerusform>
            <numerusform>Su sesión termina en %n segundos, a menos que toque Más tiempo.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/widgets/idle_warning.py" line="72"/>
        <source>More time</source>
        <translation>Más tiempo</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/idle_warning.py" line="72"/>
        <source>Keep my session open</source>
        <translation>Mantener abierta mi sesión</translation>
    </message>
</context>
<context>
    <name>InboxScreen</name>
    <message>
        <location filename="../../ui/screens/inbox.py" line="163"/>
        <source>Messages</source>
        <translation>Mensajes</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="164"/>
        <source>Conversations</source>
        <translation>Conversaciones</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="165"/>
        <source>Choose a conversation to read it</source>
        <translation>Elija una conversación para leerla</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="167"/>
        <source>No messages yet. New messages appear here. Tap New message to write first.</source>
        <translation>Todavía no hay mensajes. Los mensajes nuevos aparecerán aquí. Toque Mensaje nuevo para escribir primero.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="169"/>
        <source>New message</source>
        <translation>Mensaje nuevo</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="169"/>
        <source>Write to one of your contacts</source>
        <translation>Escribir a uno de sus contactos</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="172"/>
        <source>Help</source>
        <translation>Ayuda</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="173"/>
        <source>How messages, stamps and collect replies work</source>
        <translation>Cómo funcionan los mensajes, las estampillas y las respuestas por cobrar</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="364"/>
        <source>%n unread messages</source>
        <translation>
            <numerusform>%n mensaje sin leer</numerusform>
            <numerusform>%n mensajes sin leer</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="178"/>
        <source>OK</source>
        <translation>Entendido</translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="178"/>
        <source>Hide this notice</source>
        <translation>Ocultar este aviso</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="253"/>
        <source>Drafts (%n)</source>
        <translation>
            <numerusform>Borradores (%n)</numerusform>
            <numerusform>Borradores (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="254"/>
        <source>%n unfinished messages: open, finish or delete them</source>
        <translation>
            <numerusform>%n mensaje sin terminar: ábralo, termínelo o bórrelo</numerusform>
            <numerusform>%n mensajes sin terminar: ábralos, termínelos o bórrelos</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/screens/inbox.py" line="294"/>
        <source>New message from {names}</source>
        <translation>Mensaje nuevo de {names}</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <location filename="../../ui/widgets/keypad.py" line="44"/>
        <source>Clear</source>
        <translation>Borrar todo</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keypad.py" line="44"/>
        <source>Erase everything in this field</source>
        <translation>Borrar todo lo escrito en este campo</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keypad.py" line="45"/>
        <source>Delete</source>
        <translation>Borrar</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keypad.py" line="45"/>
        <source>Erase the last digit</source>
        <translation>Borrar el último número</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keypad.py" line="46"/>
        <source>Number pad</source>
        <translation>Teclado numérico</translation>
    </message>
</context>
<context>
    <name>LanguageSwitch</name>
    <message>
        <location filename="../../ui/language_switch.py" line="54"/>
        <source>Show the screens in {language}</source>
        <translation>Mostrar las pantallas en {language}</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <location filename="../../ui/widgets/delegates.py" line="183"/>
        <source>Return stamp (used)</source>
        <translation>Estampilla de respuesta (ya usada)</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/delegates.py" line="185"/>
        <source>Return stamp included: your reply is free</source>
        <translation>Incluye estampilla de respuesta: su respuesta es gratis</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/delegates.py" line="189"/>
        <source>Sent collect</source>
        <translation>Enviado por cobrar</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/delegates.py" line="199"/>
        <source>Reason: {reason}</source>
        <translation>Motivo: {reason}</translation>
    </message>
</context>
<context>
    <name>NewMessageScreen</name>
    <message>
        <location filename="../../ui/screens/new_message.py" line="68"/>
        <source>New message: who to write to?</source>
        <translation>Mensaje nuevo: ¿a quién quiere escribir?</translation>
    </message>
    <message>
        <location filename="../../ui/screens/new_message.py" line="69"/>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <location filename="../../ui/screens/new_message.py" line="69"/>
        <source>Back to your conversations</source>
        <translation>Volver a sus conversaciones</translation>
    </message>
    <message>
        <location filename="../../ui/screens/new_message.py" line="70"/>
        <source>Your approved contacts</source>
        <translation>Sus contactos aprobados</translation>
    </message>
    <message>
        <location filename="../../ui/screens/new_message.py" line="121"/>
        <source>Write a new message to {name}</source>
        <translation>Escribir un mensaje nuevo a {name}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/new_message.py" line="130"/>
        <source>You have no approved contacts yet. Family and friends appear here once the facility approves them.</source>
        <translation>Todavía no tiene contactos aprobados. Sus familiares y amigos aparecerán aquí cuando el centro los apruebe.</translation>
    </message>
</context>
<context>
    <name>NoticePanel</name>
    <message>
        <location filename="../../ui/account_notice.py" line="83"/>
        <source>I understand</source>
        <translation>Entendido</translation>
    </message>
    <message>
        <location filename="../../ui/account_notice.py" line="83"/>
        <source>Hide this notice</source>
        <translation>Ocultar este aviso</translation>
    </message>
</context>
<context>
    <name>NoticeWords</name>
    <message>
        <location filename="../../ui/account_notice.py" line="29"/>
        <source>Your messages are read and kept</source>
        <translation>Sus mensajes se leen y se guardan</translation>
    </message>
    <message>
        <location filename="../../ui/account_notice.py" line="33"/>
        <source>Facility staff read every message before it is delivered: the messages you receive and the messages you send.</source>
        <translation>El personal del centro lee cada mensaje antes de entregarlo: los mensajes que usted recibe y los que envía.</translation>
    </message>
    <message>
        <location filename="../../ui/account_notice.py" line="40"/>
        <source>Your messages are kept for a time the facility decides. Ask staff how long.</source>
        <translation>Sus mensajes se guardan durante un tiempo que decide el centro. Pregunte al personal cuánto tiempo.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/account_notice.py" line="42"/>
        <source>Your messages are kept for %n days.</source>
        <translation>
            <numerusform>Sus mensajes se guardan durante %n día.</numerusform>
            <numerusform>Sus mensajes se guardan durante %n días.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OnScreenKeyboard</name>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="92"/>
        <source>On-screen keyboard</source>
        <translation>Teclado en pantalla</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="93"/>
        <source>Shift</source>
        <translation>Mayúsculas</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="93"/>
        <source>Capital letters</source>
        <translation>Letras mayúsculas</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="95"/>
        <source>Switch the keyboard layout</source>
        <translation>Cambiar el idioma del teclado</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="96"/>
        <source>Space</source>
        <translation>Espacio</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="97"/>
        <source>Delete</source>
        <translation>Borrar</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="97"/>
        <source>Erase the last character</source>
        <translation>Borrar la última letra</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="98"/>
        <source>Enter</source>
        <translation>Intro</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/keyboard.py" line="98"/>
        <source>New line, or confirm</source>
        <translation>Nueva línea, o confirmar</translation>
    </message>
</context>
<context>
    <name>Payment</name>
    <message>
        <location filename="../../ui/statuses.py" line="69"/>
        <source>Uses the return stamp from {name}</source>
        <translation>Usa la estampilla de respuesta de {name}</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="71"/>
        <source>Sent collect: {name} pays {price} to open it</source>
        <translation>Envío por cobrar: {name} paga {price} para abrirlo</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="75"/>
        <source>Sent collect: {name} pays to open it</source>
        <translation>Envío por cobrar: {name} paga para abrirlo</translation>
    </message>
</context>
<context>
    <name>Refusal</name>
    <message>
        <location filename="../../ui/refusals.py" line="80"/>
        <source>That facility ID and PIN do not match. Check both and try again.</source>
        <translation>El número de identificación y el PIN no coinciden. Revise ambos e inténtelo de nuevo.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="85"/>
        <source>Too many tries. This account is locked for now; try again later.</source>
        <translation>Demasiados intentos. Esta cuenta está bloqueada por ahora; inténtelo más tarde.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="88"/>
        <source>Too many tries. This account is locked. Try again in {minutes} min (at {time}).</source>
        <translation>Demasiados intentos. Esta cuenta está bloqueada. Inténtelo de nuevo en {minutes} min (a las {time}).</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="97"/>
        <source>The server is busy. Please wait a moment, then try again.</source>
        <translation>El servidor está ocupado. Espere un momento y vuelva a intentarlo.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="100"/>
        <source>This terminal&apos;s clock is wrong, so it cannot check your PIN. Please tell staff: facility IT must set the clock.</source>
        <translation>El reloj de esta terminal está mal, así que no puede comprobar su PIN. Avise al personal: TI del centro debe ajustar el reloj.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="106"/>
        <source>This terminal is offline and has not seen this ID before. Sign in once while it is online, or use another terminal.</source>
        <translation>Esta terminal está sin conexión y no conoce este número. Entre una vez cuando tenga conexión, o use otra terminal.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="114"/>
        <source>Messaging is closed right now.</source>
        <translation>La mensajería está cerrada en este momento.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="115"/>
        <source>Messaging is closed. It opens again {when}.</source>
        <translation>La mensajería está cerrada. Vuelve a abrir el {when}.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="119"/>
        <source>Your session has ended. Please sign in again.</source>
        <translation>Su sesión terminó. Entre de nuevo, por favor.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="121"/>
        <source>Someone is still signed in here. Please wait a moment.</source>
        <translation>Todavía hay otra persona conectada aquí. Espere un momento, por favor.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="123"/>
        <source>That item is no longer here.</source>
        <translation>Eso ya no está disponible.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="125"/>
        <source>How this reply is paid has changed. Check the new payment line, then send.</source>
        <translation>Cambió la forma de pago de esta respuesta. Revise la nueva línea de pago y luego envíe.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="129"/>
        <source>You do not have enough stamps for this reply. Buy stamps first.</source>
        <translation>No tiene suficientes estampillas para esta respuesta. Compre estampillas primero.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="133"/>
        <source>Your debit account does not have enough money for this purchase.</source>
        <translation>Su cuenta de débito no tiene suficiente dinero para esta compra.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="137"/>
        <source>You blocked this contact. Unblock them in Contacts to write to them.</source>
        <translation>Usted bloqueó a este contacto. Desbloquéelo en Contactos para escribirle.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="141"/>
        <source>This contact is not approved yet, so you cannot write to them.</source>
        <translation>Este contacto todavía no está aprobado, así que no puede escribirle.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="145"/>
        <source>The facility has suspended this contact, so you cannot write to them.</source>
        <translation>El centro suspendió a este contacto, así que no puede escribirle.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="150"/>
        <source>You can read messages but not send them for now.</source>
        <translation>Por ahora puede leer mensajes, pero no enviarlos.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="152"/>
        <source>You can read messages but not send them until {when}.</source>
        <translation>Puede leer mensajes, pero no enviarlos hasta el {when}.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="156"/>
        <source>The facility has paused all messaging for now. You can still read.</source>
        <translation>El centro detuvo por ahora todos los mensajes. Todavía puede leer.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="160"/>
        <source>Collect replies are not possible for this contact.</source>
        <translation>Con este contacto no se pueden enviar respuestas por cobrar.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="162"/>
        <source>The return stamp on that message was already used.</source>
        <translation>La estampilla de respuesta de ese mensaje ya se usó.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="166"/>
        <source>This reply is too long. The limit is {limit} characters.</source>
        <translation>Esta respuesta es demasiado larga. El límite es de {limit} caracteres.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="169"/>
        <source>This reply is too long. Shorten it, then send.</source>
        <translation>Esta respuesta es demasiado larga. Acórtela y luego envíela.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="171"/>
        <source>Write something before sending.</source>
        <translation>Escriba algo antes de enviar.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="173"/>
        <source>That stamp book is no longer on sale.</source>
        <translation>Ese paquete de estampillas ya no está a la venta.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="175"/>
        <source>The price changed. Check the new price and try again.</source>
        <translation>El precio cambió. Revise el nuevo precio e inténtelo de nuevo.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="177"/>
        <source>That message cannot be answered. Start a new reply instead.</source>
        <translation>Ese mensaje no se puede responder. Escriba una respuesta nueva.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="179"/>
        <source>That stamp book has too few stamps for this reply. Choose a bigger one.</source>
        <translation>Ese paquete tiene muy pocas estampillas para esta respuesta. Elija uno más grande.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="183"/>
        <source>This contact is not blocked.</source>
        <translation>Este contacto no está bloqueado.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="185"/>
        <source>Only approved contacts can be blocked.</source>
        <translation>Solo se pueden bloquear contactos aprobados.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="187"/>
        <source>The server could not take this after several tries. Nothing was charged. Try again, or ask staff.</source>
        <translation>El servidor no pudo recibir esto después de varios intentos. No se cobró nada. Inténtelo de nuevo o pida ayuda al personal.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="193"/>
        <source>The server could not confirm that you did this on this terminal. Nothing was charged. Sign in again, then try again.</source>
        <translation>El servidor no pudo confirmar que usted hizo esto en esta terminal. No se cobró nada. Inicie sesión de nuevo y vuelva a intentarlo.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="199"/>
        <source>This could not be done right now. If it keeps happening, ask staff for help.</source>
        <translation>No se pudo hacer en este momento. Si sigue pasando, pida ayuda al personal.</translation>
    </message>
    <message>
        <location filename="../../ui/refusals.py" line="206"/>
        <source>Something went wrong on this terminal. Your work is saved. Try again, or ask staff.</source>
        <translation>Algo falló en esta terminal. Su trabajo está guardado. Inténtelo de nuevo o pida ayuda al personal.</translation>
    </message>
</context>
<context>
    <name>Restriction</name>
    <message>
        <location filename="../../ui/restrictions.py" line="26"/>
        <source>You can read messages but not send them until {when}.</source>
        <translation>Puede leer mensajes, pero no enviarlos hasta el {when}.</translation>
    </message>
    <message>
        <location filename="../../ui/restrictions.py" line="30"/>
        <location filename="../../ui/restrictions.py" line="44"/>
        <source>Reason: {reason}</source>
        <translation>Motivo: {reason}</translation>
    </message>
    <message>
        <location filename="../../ui/restrictions.py" line="40"/>
        <source>The facility has paused all messaging for now. You can still read.</source>
        <translation>El centro ha pausado todos los mensajes por ahora. Todavía puede leer.</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <location filename="../../ui/shell.py" line="267"/>
        <source>Kite</source>
        <translation>Kite</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="269"/>
        <source>Messages</source>
        <translation>Mensajes</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="269"/>
        <source>Your conversations</source>
        <translation>Sus conversaciones</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="270"/>
        <source>Stamps</source>
        <translation>Estampillas</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="270"/>
        <source>Balance, stamp books and receipts</source>
        <translation>Saldo, paquetes de estampillas y recibos</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="271"/>
        <source>Contacts</source>
        <translation>Contactos</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="271"/>
        <source>Who you can write to</source>
        <translation>A quién puede escribir</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="278"/>
        <source>Text size</source>
        <translation>Tamaño de letra</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="279"/>
        <source>Switch large text on or off</source>
        <translation>Activar o desactivar la letra grande</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="284"/>
        <source>Contrast</source>
        <translation>Contraste</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="285"/>
        <source>Switch high contrast on or off</source>
        <translation>Activar o desactivar el alto contraste</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="290"/>
        <source>Sign out</source>
        <translation>Salir</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="290"/>
        <source>End your session now</source>
        <translation>Terminar su sesión ahora</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="377"/>
        <source>You were signed out because nothing happened for a while. Your unfinished text is saved.</source>
        <translation>Se cerró su sesión porque no hubo actividad por un rato. Su texto sin terminar está guardado.</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="383"/>
        <source>Your session reached its time limit. Your unfinished text is saved.</source>
        <translation>Su sesión llegó al límite de tiempo. Su texto sin terminar está guardado.</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="387"/>
        <source>Messaging has closed for now. Your unfinished text is saved.</source>
        <translation>La mensajería ya cerró por ahora. Su texto sin terminar está guardado.</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="423"/>
        <source>Sorry, something went wrong. Please try again.</source>
        <translation>Lo sentimos, algo salió mal. Inténtelo de nuevo.</translation>
    </message>
    <message>
        <location filename="../../ui/shell.py" line="427"/>
        <source>Sorry, something went wrong and your session was ended. Your unfinished text is saved. Please sign in again.</source>
        <translation>Lo sentimos, algo salió mal y su sesión se cerró. Su texto sin terminar está guardado. Vuelva a iniciar sesión.</translation>
    </message>
</context>
<context>
    <name>SignInScreen</name>
    <message>
        <location filename="../../ui/screens/signin.py" line="203"/>
        <source>Welcome to Kite messaging</source>
        <translation>Bienvenido a la mensajería Kite</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="204"/>
        <source>Read your messages, reply and buy stamps.</source>
        <translation>Lea sus mensajes, responda y compre estampillas.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="205"/>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="207"/>
        <source>Show the screens in this language</source>
        <translation>Mostrar las pantallas en este idioma</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="208"/>
        <source>Large text</source>
        <translation>Letra grande</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="208"/>
        <source>Make all text bigger</source>
        <translation>Agrandar todo el texto</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="209"/>
        <source>High contrast</source>
        <translation>Alto contraste</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="209"/>
        <source>Light text on a black screen</source>
        <translation>Letras claras sobre fondo negro</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="210"/>
        <location filename="../../ui/screens/signin.py" line="211"/>
        <source>Facility ID number</source>
        <translation>Número de identificación</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="212"/>
        <source>Type it with the number pad</source>
        <translation>Escríbalo con el teclado numérico</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="213"/>
        <location filename="../../ui/screens/signin.py" line="214"/>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="215"/>
        <source>Your secret number; it is not shown</source>
        <translation>Su número secreto; no se muestra</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="217"/>
        <source>Sign in</source>
        <translation>Entrar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="217"/>
        <source>Sign in with this ID and PIN</source>
        <translation>Entrar con este número y PIN</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="289"/>
        <source>Messaging is closed. It opens again {when}.</source>
        <translation>La mensajería está cerrada. Vuelve a abrir el {when}.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="293"/>
        <source>Messaging is closed right now.</source>
        <translation>La mensajería está cerrada en este momento.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="296"/>
        <source>The facility has paused sending messages. You can still sign in and read.</source>
        <translation>El centro detuvo el envío de mensajes. Todavía puede entrar y leer.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="318"/>
        <source>Enter your facility ID number and your PIN.</source>
        <translation>Escriba su número de identificación y su PIN.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/signin.py" line="323"/>
        <source>The terminal is still starting. Try again in a moment.</source>
        <translation>La terminal todavía se está iniciando. Inténtelo de nuevo en un momento.</translation>
    </message>
</context>
<context>
    <name>StampsScreen</name>
    <message>
        <location filename="../../ui/screens/stamps.py" line="166"/>
        <source>Stamps</source>
        <translation>Estampillas</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="167"/>
        <source>Stamps you can use</source>
        <translation>Estampillas disponibles</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="168"/>
        <source>Debit account</source>
        <translation>Cuenta de débito</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="169"/>
        <source>Buy stamps</source>
        <translation>Comprar estampillas</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="170"/>
        <source>No stamp books are on sale right now.</source>
        <translation>En este momento no hay paquetes de estampillas a la venta.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="171"/>
        <source>Receipts</source>
        <translation>Recibos</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="172"/>
        <source>Receipt history, newest first</source>
        <translation>Historial de recibos, los más recientes primero</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="175"/>
        <source>Back to your message</source>
        <translation>Volver a su mensaje</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="176"/>
        <source>Return to the message you were writing</source>
        <translation>Volver al mensaje que estaba escribiendo</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="232"/>
        <source>Purchase confirmed: %n stamps added.</source>
        <translation>
            <numerusform>Compra confirmada: se agregó %n estampilla.</numerusform>
            <numerusform>Compra confirmada: se agregaron %n estampillas.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="237"/>
        <source>The purchase of %n stamps was refused. Nothing was taken from your debit account.</source>
        <translation>
            <numerusform>Se rechazó la compra de %n estampilla. No se cobró nada de su cuenta de débito.</numerusform>
            <numerusform>Se rechazó la compra de %n estampillas. No se cobró nada de su cuenta de débito.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="260"/>
        <source>%n bought, waiting for confirmation</source>
        <translation>
            <numerusform>%n comprada, en espera de confirmación</numerusform>
            <numerusform>%n compradas, en espera de confirmación</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="262"/>
        <source>%n set aside for replies waiting to send</source>
        <translation>
            <numerusform>%n reservada para respuestas por enviar</numerusform>
            <numerusform>%n reservadas para respuestas por enviar</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="292"/>
        <source>{name}: %n stamps, {price}</source>
        <translation>
            <numerusform>{name}: %n estampilla, {price}</numerusform>
            <numerusform>{name}: %n estampillas, {price}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="334"/>
        <source>{price} comes out of your debit account. The %n stamps can be used once the facility confirms the purchase.</source>
        <translation>
            <numerusform>{price} se descuenta de su cuenta de débito. La estampilla (%n) se podrá usar cuando el centro confirme la compra.</numerusform>
            <numerusform>{price} se descuenta de su cuenta de débito. Las %n estampillas se podrán usar cuando el centro confirme la compra.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="361"/>
        <source>Purchase sent: %n stamps are pending until the facility confirms them.</source>
        <translation>
            <numerusform>Compra enviada: %n estampilla queda pendiente hasta que el centro la confirme.</numerusform>
            <numerusform>Compra enviada: %n estampillas quedan pendientes hasta que el centro las confirme.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="397"/>
        <source>%n stamps for {price}</source>
        <translation>
            <numerusform>%n estampilla por {price}</numerusform>
            <numerusform>%n estampillas por {price}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="401"/>
        <source>+%n stamps</source>
        <translation>
            <numerusform>+%n estampilla</numerusform>
            <numerusform>+%n estampillas</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="403"/>
        <source>-%n stamps</source>
        <translation>
            <numerusform>-%n estampilla</numerusform>
            <numerusform>-%n estampillas</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="263"/>
        <source>Nothing pending</source>
        <translation>Nada pendiente</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="266"/>
        <source>Not received yet</source>
        <translation>Todavía no se ha recibido</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="270"/>
        <source>As of {time}</source>
        <translation>Al {time}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="274"/>
        <source>Stamps you can use: {count}</source>
        <translation>Estampillas disponibles: {count}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="277"/>
        <source>Debit account: {amount}</source>
        <translation>Cuenta de débito: {amount}</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="295"/>
        <source>Buy this from your debit account</source>
        <translation>Comprar esto con su cuenta de débito</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="330"/>
        <source>Buy {name} for {price}?</source>
        <translation>¿Comprar {name} por {price}?</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="339"/>
        <source>Buy</source>
        <translation>Comprar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="340"/>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="383"/>
        <source>Purchase</source>
        <translation>Compra</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="384"/>
        <source>Gift from family</source>
        <translation>Regalo de la familia</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="385"/>
        <source>Reply sent</source>
        <translation>Respuesta enviada</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="386"/>
        <source>Refund</source>
        <translation>Reembolso</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="387"/>
        <source>Adjustment</source>
        <translation>Ajuste</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="391"/>
        <source>Correction from the server&apos;s records</source>
        <translation>Corrección según los registros del servidor</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="407"/>
        <source>Pending</source>
        <translation>Pendiente</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="415"/>
        <source>The facility refused this purchase.</source>
        <translation>El centro rechazó esta compra.</translation>
    </message>
    <message>
        <location filename="../../ui/screens/stamps.py" line="398"/>
        <source>Refused</source>
        <translation>Rechazada</translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <location filename="../../ui/statuses.py" line="33"/>
        <source>Queued</source>
        <translation>En cola</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="34"/>
        <source>Sent</source>
        <translation>Enviado</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="35"/>
        <source>Pending review</source>
        <translation>En revisión</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="36"/>
        <source>Delivered</source>
        <translation>Entregado</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="37"/>
        <source>Rejected</source>
        <translation>Rechazado</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="38"/>
        <source>Waiting for recipient to pay</source>
        <translation>Esperando que el destinatario pague</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="39"/>
        <source>Opened</source>
        <translation>Abierto</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="49"/>
        <source>Queued on this terminal {time}</source>
        <translation>En cola en esta terminal {time}</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="50"/>
        <source>Sent {time}</source>
        <translation>Enviado {time}</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="51"/>
        <source>In review since {time}</source>
        <translation>En revisión desde {time}</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="52"/>
        <source>Delivered {time}</source>
        <translation>Entregado {time}</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="53"/>
        <source>Rejected {time}</source>
        <translation>Rechazado {time}</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="54"/>
        <source>Delivered, waiting for the recipient to pay, since {time}</source>
        <translation>Entregado, esperando que el destinatario pague, desde {time}</translation>
    </message>
    <message>
        <location filename="../../ui/statuses.py" line="57"/>
        <source>Opened {time}</source>
        <translation>Abierto {time}</translation>
    </message>
</context>
<context>
    <name>Sync</name>
    <message>
        <location filename="../../ui/sync_status.py" line="77"/>
        <source>Connecting…</source>
        <translation>Conectando…</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="79"/>
        <source>This terminal&apos;s clock is wrong, so it cannot sync. Please tell staff.</source>
        <translation>El reloj de esta terminal está mal, así que no puede sincronizar. Avise al personal.</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="85"/>
        <source>This terminal is out of service. Please tell staff.</source>
        <translation>Esta terminal está fuera de servicio. Avise al personal, por favor.</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="87"/>
        <source>This terminal needs IT. Please tell staff.</source>
        <translation>Esta terminal necesita a TI. Avise al personal, por favor.</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="89"/>
        <source>This terminal is waiting for IT to approve it.</source>
        <translation>Esta terminal espera la aprobación de TI.</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="95"/>
        <source>Server busy. Trying again at {time}</source>
        <translation>Servidor ocupado. Se intentará de nuevo a las {time}</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="97"/>
        <source>Server busy. Trying again soon</source>
        <translation>Servidor ocupado. Se intentará de nuevo pronto</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="101"/>
        <source>Not up to date: the server&apos;s answer could not be used</source>
        <translation>Sin actualizar: no se pudo usar la respuesta del servidor</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="106"/>
        <source>Offline since {time}</source>
        <translation>Sin conexión desde {time}</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="108"/>
        <source>Offline</source>
        <translation>Sin conexión</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="113"/>
        <source>Up to date</source>
        <translation>Al día</translation>
    </message>
</context>
<context>
    <name>Time</name>
    <message>
        <location filename="../../ui/formatting.py" line="86"/>
        <source>{date} at {time}</source>
        <translation>{date} a las {time}</translation>
    </message>
</context>
</TS>
